/// Why a site directory cannot be packed. Each case names the thing at fault and what to do about it.
public enum SiteError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(path: String)
    case notADirectory(path: String)
    case unreadableDirectory(path: String, reason: String)
    case empty(path: String)
    /// Several entries that cannot be shipped, all reported at once so one run shows every fix to make.
    case badEntries(site: String, problems: [EntryProblem])
    case fileChanged(path: String)
    case readFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let path):
            return "site '\(path)' does not exist; give the path of the directory that holds the site's files"
        case .notADirectory(let path):
            return "site '\(path)' is a file, not a directory; give the directory that holds the site's files"
        case .unreadableDirectory(let path, let reason):
            return "cannot read directory '\(path)': \(reason); check its permissions"
        case .empty(let path):
            return "site '\(path)' has no files to publish (after .dockerignore); add an index.html"
        case .badEntries(let site, let problems):
            let lines = problems.map { "  - \($0)" }.joined(separator: "\n")
            return "site '\(site)' has \(problems.count) entr\(problems.count == 1 ? "y" : "ies") that cannot be "
                + "packed:\n\(lines)"
        case .fileChanged(let path):
            return "'\(path)' changed size while it was being packed; publish again once it is no longer being written"
        case .readFailed(let path, let reason):
            return "cannot read '\(path)': \(reason)"
        }
    }
}

/// One entry of a site that cannot be packed as it is.
public struct EntryProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// `destination`: where the link leads in the image, as far as it can be told.
        case escapingLink(target: String, destination: String)
        case missingLinkTarget(target: String)
        case linkLoop
        case tooManyLinks(target: String)
        /// A dereferenced link that passes through `/proc`, `/sys` or `/dev` (at `reached`).
        case pseudoFileSystem(target: String, reached: String)
        case whiteoutName
        case specialFile(kind: String)
        case unreadable(reason: String)
        case nameNotUTF8
    }

    /// The entry's path relative to the site root, made printable.
    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .escapingLink(let target, let destination):
            return "\(path) is a symlink to '\(target)', which leads to \(destination) in the image, outside the "
                + "site; copy the file into the site, or pass --dereference to pack the target's content"
        case .tooManyLinks(let target):
            return "\(path) is a symlink to '\(target)' that goes round in a loop (more than "
                + "\(LinkResolution.maximumLinks) links to follow); the server could never open it — fix or remove it"
        case .pseudoFileSystem(let target, let reached):
            return "\(path) is a symlink to '\(target)', which goes through \(reached): /proc, /sys and /dev describe "
                + "this machine (its processes, devices and, through /proc/self/root, its whole file system), so "
                + "--dereference does not pack them; copy the files you mean into the site"
        case .missingLinkTarget(let target):
            return "\(path) is a symlink to '\(target)', which does not exist"
        case .linkLoop:
            return "\(path) is a symlink that leads back into itself"
        case .specialFile(let kind):
            return "\(path) is a \(kind); only files, directories and symlinks can be published — remove it or "
                + "list it in .dockerignore"
        case .unreadable(let reason):
            return "\(path) cannot be read (\(reason)); fix its permissions or list it in .dockerignore"
        case .whiteoutName:
            return "\(path) has a name starting with '.wh.', which image layers use to mark deleted files, so it "
                + "would vanish from the image; rename it or list it in .dockerignore"
        case .nameNotUTF8:
            return "\(path) has a name that is not valid UTF-8; rename it"
        }
    }
}
