/// What changed between two versions' manifests, as one image layer must say it: entries to write (added or
/// changed), paths to hide (deleted, as whiteouts in their parent directory) and directories that replace
/// something that was not a directory (marked opaque, so nothing below them in lower layers shows through).
struct ManifestDiff: Sendable, Equatable {
    /// Added or changed entries, in the new manifest's order.
    var written: [SiteManifest.Entry] = []
    /// Deleted paths whose parent directory stays a directory (the parent's own replacement hides the others).
    var deleted: [String] = []
    /// Directories that take the place of a file or link.
    var opaque: Set<String> = []

    var isEmpty: Bool { written.isEmpty && deleted.isEmpty }

    /// The bytes of file content the layer carries.
    var contentBytes: Int64 { written.reduce(0) { $0 + ($1.size ?? 0) } }

    init(from old: SiteManifest, to new: SiteManifest) {
        var oldByPath: [String: SiteManifest.Entry] = [:]
        oldByPath.reserveCapacity(old.entries.count)
        for entry in old.entries { oldByPath[entry.path] = entry }
        var newByPath: [String: SiteManifest.Entry] = [:]
        newByPath.reserveCapacity(new.entries.count)
        for entry in new.entries { newByPath[entry.path] = entry }

        for entry in new.entries {
            guard let before = oldByPath[entry.path] else {
                written.append(entry)
                continue
            }
            if entry.kind == .directory {
                guard before.kind != .directory else { continue }
                written.append(entry)
                opaque.insert(entry.path)
            } else if !before.sameShipped(as: entry) {
                written.append(entry)
            }
        }
        for entry in old.entries where newByPath[entry.path] == nil {
            let parent = Self.parent(of: entry.path)
            if parent.isEmpty || (newByPath[parent]?.kind == .directory && oldByPath[parent]?.kind == .directory) {
                deleted.append(entry.path)
            }
        }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    static func name(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
