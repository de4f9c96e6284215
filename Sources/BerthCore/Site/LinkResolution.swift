#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a symlink leads, found as the kernel finds it: one component at a time, following each link met on the way
/// (its target replacing it, relative to the directory it is in), with `..` taken from the directory actually
/// reached rather than from the text. A text-only check is fooled by `loop -> .` and `x -> loop/loop/../../etc`.
enum LinkResolution: Equatable {
    /// The link leads to something inside the site, or to nothing (a missing name, or a file used as a directory):
    /// the kernel stops there without reaching anything outside.
    case inside
    /// The link leads outside the site, to `destination` (a path in the image, as far as it can be told).
    case escapes(destination: String)
    /// Resolving it follows more links than the kernel does (`maximumLinks`): a loop, which the kernel refuses.
    case loops

    /// Linux's limit on the links followed in one path lookup (`MAXSYMLINKS`).
    static let maximumLinks = 40

    /// Resolves the link at `linkPath` (relative to the site root, "/"-separated) whose text is `target`, as it will
    /// be resolved inside the image, where the site's root is `BuildContextLayout.siteRootInImage`. The files are
    /// looked up under `siteRoot` on this machine.
    static func resolve(siteRoot: String, linkPath: String, target: String) -> LinkResolution {
        guard !target.hasPrefix("/") else { return .escapes(destination: POSIXFileSystem.normalized(target)) }
        var walk = ComponentWalk(directory: linkPath.split(separator: "/").dropLast().map(String.init),
                                 target: target)
        while let component = walk.next() {
            switch component {
            case "..":
                guard walk.directory.popLast() != nil else {
                    return .escapes(destination: walk.imagePathAbove(siteRoot: BuildContextLayout.siteRootInImage))
                }
            default:
                let host = siteRoot + "/" + (walk.directory + [component]).joined(separator: "/")
                switch walk.step(into: component, at: host) {
                case .directory: continue
                case .stop: return .inside
                case .tooManyLinks: return .loops
                case .absoluteLink(let target):
                    return .escapes(destination: walk.destination(afterAbsolute: target))
                }
            }
        }
        return .inside
    }

    /// File systems whose entries describe the machine itself, not files: packing them would ship the host's
    /// processes, devices or, through `/proc/self/root`, its whole root.
    static let pseudoFileSystems = ["/proc", "/sys", "/dev"]

    /// The first path inside `/proc`, `/sys` or `/dev` that a link at the absolute host path `linkPath`, whose text
    /// is `target`, passes through as this machine resolves it; nil when it passes through none.
    static func pseudoFileSystemOnTheWay(linkPath: String, target: String) -> String? {
        let parent = POSIXFileSystem.realPath(String(linkPath[..<(linkPath.lastIndex(of: "/") ?? linkPath.startIndex)]))
            ?? "/"
        var walk = ComponentWalk(directory: target.hasPrefix("/") ? [] : parent.split(separator: "/").map(String.init),
                                 target: target)
        func pseudo(_ directory: [String]) -> String? {
            let path = "/" + directory.joined(separator: "/")
            return pseudoFileSystems.contains { path == $0 || path.hasPrefix($0 + "/") } ? path : nil
        }
        if let found = pseudo(walk.directory) { return found }
        while let component = walk.next() {
            if component == ".." {
                _ = walk.directory.popLast()
                continue
            }
            if let found = pseudo(walk.directory + [component]) { return found }
            switch walk.step(into: component, at: "/" + (walk.directory + [component]).joined(separator: "/")) {
            case .directory: continue
            case .stop, .tooManyLinks: return nil
            case .absoluteLink(let target):
                walk.directory = []
                walk.push(target)
            }
        }
        return nil
    }
}

/// The state of one path lookup: the directory reached so far, as names that are real directories (never links),
/// and the components still to look up, the next one last.
private struct ComponentWalk {
    var directory: [String]
    private var pending: [String] = []
    private var linksFollowed = 1

    enum Step {
        case directory
        /// A missing name, or a file with components still to look up: the lookup fails here.
        case stop
        case tooManyLinks
        case absoluteLink(String)
    }

    init(directory: [String], target: String) {
        self.directory = directory
        push(target)
    }

    mutating func push(_ target: String) {
        pending += target.split(separator: "/").reversed().map(String.init)
    }

    /// The next component to look up, `.` and empty ones skipped.
    mutating func next() -> String? {
        while let component = pending.popLast() {
            if component != "." { return component }
        }
        return nil
    }

    /// Looks up `name` at `hostPath`: enters a directory, queues a relative link's target in its place.
    mutating func step(into name: String, at hostPath: String) -> Step {
        var info = stat()
        guard lstat(hostPath, &info) == 0 else { return .stop }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            directory.append(name)
            return .directory
        case S_IFLNK:
            linksFollowed += 1
            guard linksFollowed <= LinkResolution.maximumLinks else { return .tooManyLinks }
            guard let target = POSIXFileSystem.readLink(SourceName(directory: AT_FDCWD, name: hostPath)) else {
                return .stop
            }
            if target.hasPrefix("/") { return .absoluteLink(target) }
            push(target)
            return .directory
        default:
            // A file ends the lookup; with components left, the kernel says ENOTDIR.
            return next() == nil ? .directory : .stop
        }
    }

    /// Where the lookup leads once it climbs above the site's root: the rest of the components applied to the
    /// image's directory above the root, as text (nothing there can be looked up from here).
    mutating func imagePathAbove(siteRoot: String) -> String {
        var path = siteRoot.split(separator: "/").dropLast().map(String.init)
        while let component = next() {
            if component == ".." { _ = path.popLast() } else { path.append(component) }
        }
        return "/" + path.joined(separator: "/")
    }

    /// Where the lookup leads after a link to the absolute path `target`, with the rest of the components.
    mutating func destination(afterAbsolute target: String) -> String {
        var rest: [String] = []
        while let component = next() { rest.append(component) }
        return POSIXFileSystem.normalized(([target] + rest).joined(separator: "/"))
    }
}
