import BerthCore
import Foundation

/// A site's tree as a user would compare it: each path's kind, mode (0644/0755 as berth ships them), content and
/// link target, read from a directory or from a container through the engine.
struct ServedTree: Equatable, CustomStringConvertible {
    enum Node: Equatable {
        case directory
        case file(executable: Bool, contents: [UInt8])
        case symlink(String)
    }

    var nodes: [String: Node]

    /// The shipped tree of a site directory with no `.dockerignore` (berth.yml is never shipped).
    init(directory: String) throws {
        nodes = [:]
        try walk(directory, relative: "")
    }

    private mutating func walk(_ directory: String, relative: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() {
            if relative.isEmpty && (name == "berth.yml" || name == ".dockerignore") { continue }
            let path = relative.isEmpty ? name : relative + "/" + name
            let full = directory + "/" + name
            let attributes = try FileManager.default.attributesOfItem(atPath: full)
            switch attributes[.type] as? FileAttributeType {
            case .typeDirectory?:
                nodes[path] = .directory
                try walk(full, relative: path)
            case .typeSymbolicLink?:
                nodes[path] = .symlink(try FileManager.default.destinationOfSymbolicLink(atPath: full))
            default:
                let permissions = (attributes[.posixPermissions] as? Int) ?? 0
                nodes[path] = .file(executable: permissions & 0o111 != 0,
                                    contents: Array(try Data(contentsOf: URL(fileURLWithPath: full))))
            }
        }
    }

    /// The tree under `/srv/site` in a container (running or only created).
    init(container: String, engine: DockerEngine) async throws {
        guard let tar = try await engine.archive(container, path: BuildContextLayout.siteRootInImage) else {
            throw FixtureError("the container \(container) has no \(BuildContextLayout.siteRootInImage)")
        }
        nodes = [:]
        for entry in try TarContents.entries(of: tar) {
            var path = entry.path
            if path.hasSuffix("/") { path.removeLast() }
            guard path.hasPrefix("site/") else { continue }
            path.removeFirst("site/".count)
            switch entry.kind {
            case .directory:
                guard entry.permissions == 0o755 else { throw FixtureError("\(path) has mode \(String(entry.permissions, radix: 8))") }
                nodes[path] = .directory
            case .file:
                guard entry.permissions == 0o755 || entry.permissions == 0o644 else {
                    throw FixtureError("\(path) has mode \(String(entry.permissions, radix: 8))")
                }
                nodes[path] = .file(executable: entry.permissions == 0o755, contents: entry.contents)
            case .symlink(let target):
                nodes[path] = .symlink(target)
            case .other:
                throw FixtureError("\(path) is neither a file, a directory nor a link")
            }
        }
    }

    var description: String {
        nodes.keys.sorted().map { path in
            switch nodes[path]! {
            case .directory: "\(path)/"
            case .file(let executable, let contents): "\(path) \(executable ? "x" : "-") \(contents.count) B"
            case .symlink(let target): "\(path) -> \(target)"
            }
        }.joined(separator: "\n")
    }

    /// What differs from `other`, path by path, for a failure message.
    func differences(from other: ServedTree) -> String {
        Set(nodes.keys).union(other.nodes.keys).sorted().compactMap { path in
            nodes[path] == other.nodes[path] ? nil
                : "\(path): \(nodes[path].map { "\($0)" }?.prefix(80) ?? "absent") vs \(other.nodes[path].map { "\($0)" }?.prefix(80) ?? "absent")"
        }.joined(separator: "\n")
    }
}

/// A small seeded generator (SplitMix64), so that a failing sequence of edits can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
