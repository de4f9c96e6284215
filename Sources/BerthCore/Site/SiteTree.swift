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

/// The files of a site as they will be shipped: walked with `lstat`, filtered by `.dockerignore`, each directory's
/// names sorted byte-wise (as GNU tar's `--sort=name`), so that the same directory always yields the same order.
///
/// The tree is checked once when scanned, and walked again, entry by entry, whenever it is packed: nothing but
/// counts is kept, so memory does not grow with the number of files.
public struct SiteTree: Sendable {
    public let root: String
    public let rules: IgnoreRules
    public let dereference: Bool
    public let fileCount: Int
    public let totalFileBytes: Int64

    /// Names at the site root that are never shipped: berth's own settings and version control.
    public static let neverShipped: Set<String> = [".git", ".dockerignore", "berth.yml"]

    /// Walks `root` and checks every entry. Every entry that cannot be shipped is collected and reported in one
    /// error, before anything is packed.
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
        var problems: [EntryProblem] = []
        var files = 0
        var links = 0
        var bytes: Int64 = 0
        var walker = SiteWalker(root: absoluteRoot, rules: rules, dereference: dereference, checksReadability: true)
        do {
            try walker.walk(
            visit: { entry in
                switch entry.kind {
                case .file(let size, _):
                    files += 1
                    bytes += size
                case .symlink: links += 1
                case .directory: break
                }
            },
            problem: { problems.append($0) })
        } catch let error as SiteError {
            throw error
        } catch {
            throw SiteError.readFailed(path: root, reason: "\(error)")
        }
        if !problems.isEmpty {
            throw SiteError.badEntries(site: root, problems: problems)
        }
        guard files + links > 0 else {
            throw SiteError.empty(path: root)
        }
        return SiteTree(root: absoluteRoot, rules: rules, dereference: dereference, fileCount: files,
                        totalFileBytes: bytes)
    }

    /// Walks the tree again, in its order, handing each entry to `body`. An entry that has become impossible to
    /// ship since the scan (a FIFO put in a file's place, say) ends the walk with an error.
    public func forEachEntry(_ body: (SiteEntry) throws -> Void) throws {
        // Readability was checked by the scan; a file that has become unreadable since fails when it is opened.
        var walker = SiteWalker(root: root, rules: rules, dereference: dereference, checksReadability: false)
        var firstProblem: EntryProblem?
        try walker.walk(visit: body, problem: { problem in
            if firstProblem == nil { firstProblem = problem }
        })
        if let firstProblem {
            throw SiteError.badEntries(site: root, problems: [firstProblem])
        }
    }

    /// Every entry, in order. Holds the whole list: for tests and small sites; packing uses `forEachEntry`.
    public var entries: [SiteEntry] {
        get throws {
            var entries: [SiteEntry] = []
            try forEachEntry { entries.append($0) }
            return entries
        }
    }

    /// Whether a regular file at `path` (relative to the root) is shipped.
    public func ships(file path: String) -> Bool {
        var info = stat()
        guard lstat(root + "/" + path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return !rules.excludes(path) && !Self.neverShipped.contains(path)
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

/// Depth-first walk of a site. Holds only the names of the directories on the current path, never the whole tree.
private struct SiteWalker {
    let root: String
    let rules: IgnoreRules
    let dereference: Bool
    let checksReadability: Bool
    /// Excluded directories being searched for re-included entries: shipped only if something below them is.
    private var pendingDirectories: [SiteEntry] = []

    init(root: String, rules: IgnoreRules, dereference: Bool, checksReadability: Bool) {
        self.root = root
        self.rules = rules
        self.dereference = dereference
        self.checksReadability = checksReadability
    }

    typealias Visit = (SiteEntry) throws -> Void
    typealias Problem = (EntryProblem) -> Void

    mutating func walk(visit: Visit, problem: Problem) throws {
        var info = stat()
        guard stat(root, &info) == 0 else { throw SiteError.notFound(path: root) }
        try walkDirectory(absolute: root, relative: "", ancestors: [FileIdentity(info)], visit: visit, problem: problem)
    }

    /// Walks one directory; `relative` is its path inside the site ("" for the root).
    /// `ancestors` guards against loops through dereferenced directory links.
    private mutating func walkDirectory(absolute: String, relative: String, ancestors: Set<FileIdentity>,
                                        visit: Visit, problem: Problem) throws {
        var names: [[UInt8]]
        do {
            names = try POSIXFileSystem.directoryNames(absolute)
        } catch {
            if relative.isEmpty {
                throw SiteError.unreadableDirectory(path: absolute, reason: error.reason)
            }
            problem(EntryProblem(path: relative, kind: .unreadable(reason: error.reason)))
            return
        }
        names.sort { $0.lexicographicallyPrecedes($1) }
        for nameBytes in names {
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                let printable = String(decoding: nameBytes, as: UTF8.self)
                problem(EntryProblem(path: Self.join(relative, printable), kind: .nameNotUTF8))
                continue
            }
            if relative.isEmpty && SiteTree.neverShipped.contains(name) { continue }
            try visitEntry(absolute: absolute + "/" + name, relative: Self.join(relative, name), ancestors: ancestors,
                           visit: visit, problem: problem)
        }
    }

    private mutating func emit(_ entry: SiteEntry, _ visit: Visit) throws {
        for directory in pendingDirectories {
            try visit(directory)
        }
        pendingDirectories.removeAll()
        try visit(entry)
    }

    private mutating func visitEntry(absolute: String, relative: String, ancestors: Set<FileIdentity>,
                                     visit: Visit, problem: Problem) throws {
        var info = stat()
        guard lstat(absolute, &info) == 0 else {
            problem(EntryProblem(path: relative, kind: .unreadable(reason: POSIXFileSystem.errnoText())))
            return
        }
        let excluded = rules.excludes(relative)
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            try visitDirectory(absolute: absolute, relative: relative, info: info, excluded: excluded,
                               ancestors: ancestors, visit: visit, problem: problem)
        case S_IFREG:
            guard !excluded else { return }
            try visitFile(absolute: absolute, relative: relative, info: info, visit: visit, problem: problem)
        case S_IFLNK:
            guard !excluded else { return }
            try visitLink(absolute: absolute, relative: relative, ancestors: ancestors, visit: visit, problem: problem)
        default:
            guard !excluded else { return }
            problem(EntryProblem(path: relative, kind: .specialFile(kind: POSIXFileSystem.kindName(info.st_mode))))
        }
    }

    private mutating func visitDirectory(
        absolute: String, relative: String, info: stat, excluded: Bool, ancestors: Set<FileIdentity>,
        visit: Visit, problem: Problem
    ) throws {
        if excluded && !rules.mustDescend(intoExcludedDirectory: relative) { return }
        let identity = FileIdentity(info)
        guard !ancestors.contains(identity) else {
            problem(EntryProblem(path: relative, kind: .linkLoop))
            return
        }
        let entry = SiteEntry(path: relative, sourcePath: absolute, kind: .directory)
        if excluded {
            pendingDirectories.append(entry)
        } else {
            try emit(entry, visit)
        }
        try walkDirectory(absolute: absolute, relative: relative, ancestors: ancestors.union([identity]),
                          visit: visit, problem: problem)
        if excluded, pendingDirectories.last == entry {
            pendingDirectories.removeLast()
        }
    }

    private mutating func visitFile(absolute: String, relative: String, info: stat, visit: Visit,
                                    problem: Problem) throws {
        guard !checksReadability || access(absolute, R_OK) == 0 else {
            problem(EntryProblem(path: relative, kind: .unreadable(reason: POSIXFileSystem.errnoText())))
            return
        }
        let executable = (info.st_mode & 0o111) != 0
        try emit(SiteEntry(path: relative, sourcePath: absolute,
                           kind: .file(size: Int64(info.st_size), executable: executable)), visit)
    }

    private mutating func visitLink(absolute: String, relative: String, ancestors: Set<FileIdentity>,
                                    visit: Visit, problem: Problem) throws {
        guard let target = POSIXFileSystem.readLink(absolute) else {
            problem(EntryProblem(path: relative, kind: .unreadable(reason: POSIXFileSystem.errnoText())))
            return
        }
        if Self.staysInside(linkPath: relative, target: target) {
            try emit(SiteEntry(path: relative, sourcePath: absolute, kind: .symlink(target: target)), visit)
            return
        }
        guard dereference else {
            problem(EntryProblem(path: relative, kind: .escapingLink(target: target)))
            return
        }
        var info = stat()
        guard stat(absolute, &info) == 0, let resolved = POSIXFileSystem.realPath(absolute) else {
            problem(EntryProblem(path: relative, kind: .missingLinkTarget(target: target)))
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            try visitFile(absolute: resolved, relative: relative, info: info, visit: visit, problem: problem)
        case S_IFDIR:
            try visitDirectory(absolute: resolved, relative: relative, info: info, excluded: false,
                               ancestors: ancestors, visit: visit, problem: problem)
        default:
            problem(EntryProblem(path: relative, kind: .specialFile(kind: POSIXFileSystem.kindName(info.st_mode))))
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
