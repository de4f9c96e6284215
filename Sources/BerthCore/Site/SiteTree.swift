#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One thing to ship from a site: a directory, a regular file or a symlink, named by its path inside the site.
public struct SiteEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case directory
        case file(size: Int64, executable: Bool)
        case symlink(target: String)
    }

    /// Path relative to the site root, "/"-separated, with no leading "./".
    public var path: String
    /// Where the content is read from on disk: the entry itself, or a dereferenced link's target.
    public var sourcePath: String
    public var kind: Kind
}

/// The files of a site as they will be shipped: walked with `lstat`, filtered by `.dockerignore`, sorted byte-wise
/// so that the same directory always yields the same list.
public struct SiteTree: Sendable {
    public let root: String
    public let entries: [SiteEntry]

    /// Names at the site root that are never shipped: berth's own settings and version control.
    public static let neverShipped: Set<String> = [".git", ".dockerignore", "berth.yml"]

    public var fileCount: Int {
        entries.reduce(0) { count, entry in
            if case .file = entry.kind { return count + 1 }
            return count
        }
    }

    public var totalFileBytes: Int64 {
        entries.reduce(0) { total, entry in
            if case .file(let size, _) = entry.kind { return total + size }
            return total
        }
    }

    /// Walks `root`. Every entry that cannot be shipped is collected and reported in one error.
    /// - Parameter dereference: pack the content behind symlinks that point outside the site instead of refusing them.
    public static func scan(root: String, rules: IgnoreRules, dereference: Bool = false) throws(SiteError) -> SiteTree {
        var info = stat()
        guard stat(root, &info) == 0 else {
            throw SiteError.notFound(path: root)
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw SiteError.notADirectory(path: root)
        }
        let absoluteRoot = POSIXFileSystem.absolute(root)
        var walker = Walker(root: absoluteRoot, rules: rules, dereference: dereference)
        try walker.walkDirectory(absolute: absoluteRoot, relative: "", ancestors: [FileIdentity(info)])
        if !walker.problems.isEmpty {
            throw SiteError.badEntries(site: root, problems: walker.problems)
        }
        let entries = walker.entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        guard entries.contains(where: { if case .directory = $0.kind { false } else { true } }) else {
            throw SiteError.empty(path: root)
        }
        return SiteTree(root: absoluteRoot, entries: entries)
    }
}

struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

private struct Walker {
    let root: String
    let rules: IgnoreRules
    let dereference: Bool
    var entries: [SiteEntry] = []
    var problems: [EntryProblem] = []

    init(root: String, rules: IgnoreRules, dereference: Bool) {
        self.root = root
        self.rules = rules
        self.dereference = dereference
    }

    /// Walks one directory; `relative` is its path inside the site ("" for the root).
    /// `ancestors` guards against loops through dereferenced directory links.
    mutating func walkDirectory(absolute: String, relative: String, ancestors: Set<FileIdentity>) throws(SiteError) {
        let names: [[UInt8]]
        do {
            names = try POSIXFileSystem.directoryNames(absolute)
        } catch {
            if relative.isEmpty {
                throw SiteError.unreadableDirectory(path: absolute, reason: error.reason)
            }
            problems.append(EntryProblem(path: relative, kind: .unreadable(reason: error.reason)))
            return
        }
        for nameBytes in names {
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                let printable = String(decoding: nameBytes, as: UTF8.self)
                problems.append(EntryProblem(path: Self.join(relative, printable), kind: .nameNotUTF8))
                continue
            }
            if relative.isEmpty && SiteTree.neverShipped.contains(name) { continue }
            let childRelative = Self.join(relative, name)
            let childAbsolute = absolute + "/" + name
            try visit(absolute: childAbsolute, relative: childRelative, ancestors: ancestors)
        }
    }

    private mutating func visit(absolute: String, relative: String, ancestors: Set<FileIdentity>) throws(SiteError) {
        var info = stat()
        guard lstat(absolute, &info) == 0 else {
            problems.append(EntryProblem(path: relative, kind: .unreadable(reason: POSIXFileSystem.errnoText())))
            return
        }
        let excluded = rules.excludes(relative)
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            try visitDirectory(absolute: absolute, relative: relative, info: info, excluded: excluded,
                               ancestors: ancestors)
        case S_IFREG:
            guard !excluded else { return }
            addFile(absolute: absolute, relative: relative, info: info)
        case S_IFLNK:
            guard !excluded else { return }
            try visitLink(absolute: absolute, relative: relative, ancestors: ancestors)
        default:
            guard !excluded else { return }
            problems.append(EntryProblem(path: relative, kind: .specialFile(kind: POSIXFileSystem.kindName(info.st_mode))))
        }
    }

    private mutating func visitDirectory(
        absolute: String, relative: String, info: stat, excluded: Bool, ancestors: Set<FileIdentity>
    ) throws(SiteError) {
        if excluded && !rules.mustDescend(intoExcludedDirectory: relative) { return }
        let identity = FileIdentity(info)
        guard !ancestors.contains(identity) else {
            problems.append(EntryProblem(path: relative, kind: .linkLoop))
            return
        }
        let countBefore = entries.count
        entries.append(SiteEntry(path: relative, sourcePath: absolute, kind: .directory))
        try walkDirectory(absolute: absolute, relative: relative, ancestors: ancestors.union([identity]))
        // An excluded directory is shipped only as the parent of something re-included below it.
        if excluded && entries.count == countBefore + 1 {
            entries.removeLast()
        }
    }

    private mutating func addFile(absolute: String, relative: String, info: stat) {
        guard access(absolute, R_OK) == 0 else {
            problems.append(EntryProblem(path: relative, kind: .unreadable(reason: POSIXFileSystem.errnoText())))
            return
        }
        let executable = (info.st_mode & 0o111) != 0
        entries.append(SiteEntry(path: relative, sourcePath: absolute,
                                 kind: .file(size: Int64(info.st_size), executable: executable)))
    }

    private mutating func visitLink(absolute: String, relative: String, ancestors: Set<FileIdentity>) throws(SiteError) {
        guard let target = POSIXFileSystem.readLink(absolute) else {
            problems.append(EntryProblem(path: relative, kind: .unreadable(reason: POSIXFileSystem.errnoText())))
            return
        }
        if Self.staysInside(linkPath: relative, target: target) {
            entries.append(SiteEntry(path: relative, sourcePath: absolute, kind: .symlink(target: target)))
            return
        }
        guard dereference else {
            problems.append(EntryProblem(path: relative, kind: .escapingLink(target: target)))
            return
        }
        var info = stat()
        guard stat(absolute, &info) == 0, let resolved = POSIXFileSystem.realPath(absolute) else {
            problems.append(EntryProblem(path: relative, kind: .missingLinkTarget(target: target)))
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            addFile(absolute: resolved, relative: relative, info: info)
        case S_IFDIR:
            try visitDirectory(absolute: resolved, relative: relative, info: info, excluded: false,
                               ancestors: ancestors)
        default:
            problems.append(EntryProblem(path: relative, kind: .specialFile(kind: POSIXFileSystem.kindName(info.st_mode))))
        }
    }

    /// Whether a link at `linkPath` (inside the site) pointing to `target` resolves inside the site, judged on
    /// the text of the path alone; a link in the way that escapes is reported on its own.
    static func staysInside(linkPath: String, target: String) -> Bool {
        if target.hasPrefix("/") || target.isEmpty { return false }
        var depth = linkPath.split(separator: "/").count - 1
        for component in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..":
                depth -= 1
                if depth < 0 { return false }
            default: depth += 1
            }
        }
        return true
    }

    static func join(_ parent: String, _ name: String) -> String {
        parent.isEmpty ? name : parent + "/" + name
    }
}
