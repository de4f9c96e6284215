#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DockerIgnore

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
    /// `sourcePath` as a name in an open directory, valid while the entry is being visited: opening relative to
    /// the directory spares the kernel a walk down the whole path for every file.
    var source: SourceName

    init(path: String, sourcePath: String, kind: Kind, source: SourceName? = nil) {
        self.path = path
        self.sourcePath = sourcePath
        self.kind = kind
        self.source = source ?? SourceName(directory: AT_FDCWD, name: sourcePath)
    }
}

/// A name relative to an open directory descriptor (`AT_FDCWD` with an absolute name for a link's target).
struct SourceName: Sendable, Equatable {
    var directory: Int32
    var name: String
}

/// The files of a site as they will be shipped: walked with `lstat`, filtered by `.dockerignore`, each directory's
/// names sorted byte-wise (as GNU tar's `--sort=name`), so that the same directory always yields the same order.
///
/// Opening a tree checks only its root. The entries are walked, and checked, each time the tree is packed: one
/// pass over the files, holding nothing but the names on the current path, so memory does not grow with the
/// number of files. Every entry that cannot be shipped is reported together once the walk is over.
public struct SiteTree: Sendable {
    /// The path as the user gave it, for messages.
    public let path: String
    /// The absolute path the entries are read from.
    public let root: String
    public let rules: IgnoreRules
    public let dereference: Bool

    /// Names at the site root that are never shipped: berth's own settings, and the rules nginx is configured from.
    public static let neverShipped: Set<String> = [".dockerignore", "berth.yml", "_redirects", "_headers"]
    /// What a remote publish leaves out of its upload: `.dockerignore`, which the client applies. berth.yml and the
    /// rules go up, for the server to check and configure the site from as a local publish does.
    public static let neverUploaded: Set<String> = [".dockerignore"]

    /// The names at the root this walk leaves out (`neverShipped`, or `neverUploaded` for an upload).
    public var leftOutAtRoot: Set<String> = SiteTree.neverShipped

    /// Git's directory, left out at any depth (`sub/.git/config` can hold credentials) unless a `!` line of
    /// `.dockerignore` names it.
    public static let versionControlName = ".git"

    /// The prefix of whiteout names in image layers: such a file would hide a path in the image instead of
    /// shipping, so it is refused.
    public static let whiteoutPrefix = ".wh."

    /// Whether `path` is, or is inside, a `.git` that `.dockerignore` does not explicitly re-include.
    func isLeftOutVersionControl(_ path: String) -> Bool {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix = prefix.isEmpty ? String(component) : prefix + "/" + component
            if component == Self.versionControlName && !rules.reincludes(prefix) { return true }
        }
        return false
    }

    /// A site's tree, once its root is known to be a directory.
    /// - Parameter dereference: pack the content behind symlinks that point outside the site instead of refusing them.
    public static func open(root: String, rules: IgnoreRules, dereference: Bool = false) throws(SiteError) -> SiteTree {
        try checkRoot(root)
        return SiteTree(path: root, root: POSIXFileSystem.absolute(root), rules: rules, dereference: dereference)
    }

    /// Fails unless `root` is an existing directory.
    static func checkRoot(_ root: String) throws(SiteError) {
        var info = stat()
        guard stat(root, &info) == 0 else {
            throw SiteError.notFound(path: root)
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw SiteError.notADirectory(path: root)
        }
    }

    /// Walks the tree in its order, handing each entry to `body`. An entry that cannot be shipped is skipped and
    /// the walk goes on; when it is over, every such entry is reported in one `SiteError.badEntries`, and a site
    /// with no file or link to ship is `SiteError.empty`. `body` may throw an `EntryProblem` to have its entry
    /// reported with the others (a file that cannot be opened); any other error ends the walk at once.
    public func forEachEntry(_ body: (SiteEntry) throws -> Void) throws {
        var walker = SiteWalker(tree: self)
        var problems: [EntryProblem] = []
        var shipped = 0
        do {
            try walker.walk(
                visit: { entry in
                    do {
                        try body(entry)
                    } catch let problem as EntryProblem {
                        problems.append(problem)
                        return
                    }
                    if entry.kind != .directory { shipped += 1 }
                },
                problem: { problems.append($0) })
        } catch let error as SiteError {
            throw error.naming(path)
        }
        if !problems.isEmpty {
            throw SiteError.badEntries(site: path, problems: problems)
        }
        guard shipped > 0 else {
            throw SiteError.empty(path: path)
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
        return !rules.excludes(path) && !leftOutAtRoot.contains(path) && !isLeftOutVersionControl(path)
    }
}

extension SiteError {
    /// The error with the site's root named as the user gave it rather than as an absolute path.
    fileprivate func naming(_ path: String) -> SiteError {
        switch self {
        case .unreadableDirectory(_, let reason): .unreadableDirectory(path: path, reason: reason)
        case .notFound: .notFound(path: path)
        default: self
        }
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
    let tree: SiteTree
    var root: String { tree.root }
    var rules: IgnoreRules { tree.rules }
    var dereference: Bool { tree.dereference }
    /// Excluded directories being searched for re-included entries: shipped only if something below them is.
    private var pendingDirectories: [SiteEntry] = []

    init(tree: SiteTree) {
        self.tree = tree
    }

    typealias Visit = (SiteEntry) throws -> Void
    typealias Problem = (EntryProblem) -> Void

    mutating func walk(visit: Visit, problem: Problem) throws {
        let descriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { throw SiteError.notFound(path: root) }
            throw SiteError.unreadableDirectory(path: root, reason: POSIXFileSystem.errnoText(code))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw SiteError.unreadableDirectory(path: root, reason: POSIXFileSystem.errnoText())
        }
        try walkDirectory(descriptor, absolute: root, relative: "", ancestors: [FileIdentity(info)], visit: visit,
                          problem: problem)
    }

    /// Walks one open directory; `relative` is its path inside the site ("" for the root).
    /// `ancestors` guards against loops through dereferenced directory links.
    private mutating func walkDirectory(_ descriptor: Int32, absolute: String, relative: String,
                                        ancestors: Set<FileIdentity>, visit: Visit, problem: Problem) throws {
        var names: [[UInt8]]
        do {
            names = try POSIXFileSystem.directoryNames(descriptor)
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
            if relative.isEmpty && tree.leftOutAtRoot.contains(name) { continue }
            let path = Self.join(relative, name)
            if name == SiteTree.versionControlName && !rules.reincludes(path) { continue }
            try visitEntry(SourceName(directory: descriptor, name: name), absolute: absolute + "/" + name,
                           relative: path, name: name, ancestors: ancestors, visit: visit, problem: problem)
        }
    }

    private mutating func emit(_ entry: SiteEntry, _ visit: Visit) throws {
        for directory in pendingDirectories {
            try visit(directory)
        }
        pendingDirectories.removeAll()
        try visit(entry)
    }

    private mutating func visitEntry(_ source: SourceName, absolute: String, relative: String, name: String,
                                     ancestors: Set<FileIdentity>, visit: Visit, problem: Problem) throws {
        var info = stat()
        guard fstatat(source.directory, source.name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            problem(EntryProblem(path: relative, kind: .unreadable(reason: POSIXFileSystem.errnoText())))
            return
        }
        let excluded = rules.excludes(relative)
        if name.hasPrefix(SiteTree.whiteoutPrefix) {
            let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
            if !excluded || (isDirectory && rules.mustDescend(intoExcludedDirectory: relative)) {
                problem(EntryProblem(path: relative, kind: .whiteoutName))
            }
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            try visitDirectory(source, absolute: absolute, relative: relative, info: info, excluded: excluded,
                               ancestors: ancestors, visit: visit, problem: problem)
        case S_IFREG:
            guard !excluded else { return }
            try visitFile(source, absolute: absolute, relative: relative, info: info, visit: visit)
        case S_IFLNK:
            guard !excluded else { return }
            try visitLink(source, absolute: absolute, relative: relative, ancestors: ancestors, visit: visit,
                          problem: problem)
        default:
            guard !excluded else { return }
            problem(EntryProblem(path: relative, kind: .specialFile(kind: POSIXFileSystem.kindName(info.st_mode))))
        }
    }

    private mutating func visitDirectory(
        _ source: SourceName, absolute: String, relative: String, info: stat, excluded: Bool,
        ancestors: Set<FileIdentity>, visit: Visit, problem: Problem
    ) throws {
        if excluded && !rules.mustDescend(intoExcludedDirectory: relative) { return }
        let identity = FileIdentity(info)
        guard !ancestors.contains(identity) else {
            problem(EntryProblem(path: relative, kind: .linkLoop))
            return
        }
        // O_NOFOLLOW: a link put in the directory's place since it was seen is not followed out of the site.
        let follow = source.directory == AT_FDCWD ? 0 : O_NOFOLLOW
        let descriptor = openat(source.directory, source.name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | follow)
        guard descriptor >= 0 else {
            problem(EntryProblem(path: relative, kind: .unreadable(reason: POSIXFileSystem.errnoText())))
            return
        }
        defer { close(descriptor) }
        let entry = SiteEntry(path: relative, sourcePath: absolute, kind: .directory, source: source)
        if excluded {
            pendingDirectories.append(entry)
        } else {
            try emit(entry, visit)
        }
        try walkDirectory(descriptor, absolute: absolute, relative: relative, ancestors: ancestors.union([identity]),
                          visit: visit, problem: problem)
        if excluded, pendingDirectories.last == entry {
            pendingDirectories.removeLast()
        }
    }

    /// Whether the file can be read is learnt when it is opened for packing.
    private mutating func visitFile(_ source: SourceName, absolute: String, relative: String, info: stat,
                                    visit: Visit) throws {
        let executable = (info.st_mode & 0o111) != 0
        try emit(SiteEntry(path: relative, sourcePath: absolute,
                           kind: .file(size: Int64(info.st_size), executable: executable), source: source), visit)
    }

    private mutating func visitLink(_ source: SourceName, absolute: String, relative: String,
                                    ancestors: Set<FileIdentity>, visit: Visit, problem: Problem) throws {
        guard let target = POSIXFileSystem.readLink(source) else {
            problem(EntryProblem(path: relative, kind: .unreadable(reason: POSIXFileSystem.errnoText())))
            return
        }
        switch LinkResolution.resolve(siteRoot: root, linkPath: relative, target: target) {
        case .inside:
            try emit(SiteEntry(path: relative, sourcePath: absolute, kind: .symlink(target: target), source: source),
                     visit)
            return
        case .loops:
            problem(EntryProblem(path: relative, kind: .tooManyLinks(target: target)))
            return
        case .escapes(let destination):
            guard dereference else {
                problem(EntryProblem(path: relative, kind: .escapingLink(target: target, destination: destination)))
                return
            }
        }
        if let pseudo = LinkResolution.pseudoFileSystemOnTheWay(linkPath: absolute, target: target) {
            problem(EntryProblem(path: relative, kind: .pseudoFileSystem(target: target, reached: pseudo)))
            return
        }
        var info = stat()
        guard stat(absolute, &info) == 0, let resolved = POSIXFileSystem.realPath(absolute) else {
            problem(EntryProblem(path: relative, kind: .missingLinkTarget(target: target)))
            return
        }
        let targetSource = SourceName(directory: AT_FDCWD, name: resolved)
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            try visitFile(targetSource, absolute: resolved, relative: relative, info: info, visit: visit)
        case S_IFDIR:
            try visitDirectory(targetSource, absolute: resolved, relative: relative, info: info, excluded: false,
                               ancestors: ancestors, visit: visit, problem: problem)
        default:
            problem(EntryProblem(path: relative, kind: .specialFile(kind: POSIXFileSystem.kindName(info.st_mode))))
        }
    }

    static func join(_ parent: String, _ name: String) -> String {
        parent.isEmpty ? name : parent + "/" + name
    }
}
