#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Crypto
import Foundation

/// One image layer holding only what changed between two versions of a site: changed entries under the site's
/// root, whiteouts for deleted ones, the parent directories of both (with the metadata a full build gives them:
/// 0755, owner 0:0, berth's fixed time), and the new version's manifest. Written with libarchive to a file.
struct DeltaLayer: Sendable {
    /// The uncompressed tar's SHA-256 (`sha256:…`): the layer's `diff_id`.
    var diffID: String
    var byteCount: Int64
    var path: String

    static let whiteoutPrefix = SiteTree.whiteoutPrefix
    static let opaqueMarker = ".wh..wh..opq"

    /// Writes the layer for `diff` to `path`, reading changed files from the site; the new manifest is written at
    /// `BuildContextLayout.siteManifestInImage`. A file whose content is no longer what the manifest says fails
    /// with `siteChangedDuringPublish`.
    static func write(_ diff: ManifestDiff, manifest: SiteManifest, siteRoot: String, sitePath: String,
                      to path: String) throws -> DeltaLayer {
        for entry in diff.written where ManifestDiff.name(of: entry.path).hasPrefix(whiteoutPrefix) {
            throw DeltaRefusal.reservedName(entry.path)
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ContextError.archive("cannot write the layer file \(path): \(POSIXFileSystem.errnoText())")
        }
        defer { close(descriptor) }
        var hasher = SHA256()
        var byteCount: Int64 = 0
        var writeFailed = false
        let writer = try TarWriter { bytes in
            hasher.update(bufferPointer: bytes)
            byteCount += Int64(bytes.count)
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    writeFailed = true
                    return false
                }
                offset += written
            }
            return true
        }
        let manifestPath = String(BuildContextLayout.siteManifestInImage.dropFirst())
        for directory in Self.ancestors(of: manifestPath) {
            try writer.addDirectory(directory)
        }
        try writer.addFile(manifestPath, contents: try manifest.encoded())

        let root = String(BuildContextLayout.siteRootInImage.dropFirst())
        for directory in Self.ancestors(of: root) + [root] {
            try writer.addDirectory(directory)
        }
        let plan = LayerPlan(diff, manifest: manifest)
        try plan.emit(directory: "") { item in
            let imagePath = root + "/" + item.path
            switch item.kind {
            case .opaque:
                try writer.addFile(imagePath, contents: [])
            case .whiteout:
                try writer.addFile(imagePath, contents: [])
            case .entry(let entry):
                switch entry.kind {
                case .directory:
                    try writer.addDirectory(imagePath)
                case .symlink:
                    try writer.addSymlink(imagePath, target: entry.target ?? "")
                case .file:
                    let source = entry.source ?? siteRoot + "/" + entry.path
                    let content: SHA256.Digest
                    do {
                        content = try writer.addFile(imagePath, from: SourceName(directory: AT_FDCWD, name: source),
                                                     sourcePath: source, size: entry.size ?? 0,
                                                     executable: entry.executable ?? false)
                    } catch is TarWriter.UnopenableFile {
                        throw PublishError.siteChangedDuringPublish(site: sitePath)
                    } catch ContextError.site(.fileChanged) {
                        throw PublishError.siteChangedDuringPublish(site: sitePath)
                    }
                    guard ContentHasher.hex(content) == entry.sha256 else {
                        throw PublishError.siteChangedDuringPublish(site: sitePath)
                    }
                }
            }
        }
        do {
            try writer.finish()
        } catch {
            if writeFailed {
                throw ContextError.archive("cannot write the layer file \(path): \(POSIXFileSystem.errnoText())")
            }
            throw error
        }
        return DeltaLayer(diffID: "sha256:" + ContentHasher.hex(hasher.finalize()), byteCount: byteCount, path: path)
    }

    /// `a`, `a/b` for `a/b/c`.
    static func ancestors(of path: String) -> [String] {
        var result: [String] = []
        var prefix = ""
        for component in path.split(separator: "/").dropLast() {
            prefix = prefix.isEmpty ? String(component) : prefix + "/" + component
            result.append(prefix)
        }
        return result
    }
}

/// The order a layer's entries are written in: depth first, each directory before what it holds, and in a
/// directory its opaque marker first, then its whiteouts, then the rest by name (byte-wise), as whiteouts must
/// come before their siblings.
struct LayerPlan {
    enum ItemKind {
        case opaque, whiteout, entry(SiteManifest.Entry)

        var rank: Int {
            switch self {
            case .opaque: 0
            case .whiteout: 1
            case .entry: 2
            }
        }
    }

    struct Item {
        /// Relative to the site's root.
        var path: String
        var name: String
        var kind: ItemKind
    }

    private var children: [String: [Item]] = [:]

    init(_ diff: ManifestDiff, manifest: SiteManifest) {
        var included: Set<String> = []
        var byPath: [String: SiteManifest.Entry] = [:]
        for entry in manifest.entries where entry.kind == .directory { byPath[entry.path] = entry }
        func include(_ item: Item) {
            children[ManifestDiff.parent(of: item.path), default: []].append(item)
        }
        func includeAncestors(of path: String) {
            for ancestor in DeltaLayer.ancestors(of: path) where !included.contains(ancestor) {
                included.insert(ancestor)
                include(Item(path: ancestor, name: ManifestDiff.name(of: ancestor),
                             kind: .entry(byPath[ancestor] ?? .directory(ancestor))))
            }
        }
        for entry in diff.written {
            includeAncestors(of: entry.path)
            if entry.kind == .directory {
                guard !included.contains(entry.path) else { continue }
                included.insert(entry.path)
            }
            include(Item(path: entry.path, name: ManifestDiff.name(of: entry.path), kind: .entry(entry)))
            if diff.opaque.contains(entry.path) {
                include(Item(path: entry.path + "/" + DeltaLayer.opaqueMarker, name: DeltaLayer.opaqueMarker,
                             kind: .opaque))
            }
        }
        for path in diff.deleted {
            includeAncestors(of: path)
            let name = DeltaLayer.whiteoutPrefix + ManifestDiff.name(of: path)
            let parent = ManifestDiff.parent(of: path)
            include(Item(path: parent.isEmpty ? name : parent + "/" + name, name: name, kind: .whiteout))
        }
    }

    func emit(directory: String, _ body: (Item) throws -> Void) throws {
        let items = (children[directory] ?? []).sorted { left, right in
            if left.kind.rank != right.kind.rank { return left.kind.rank < right.kind.rank }
            return Array(left.name.utf8).lexicographicallyPrecedes(Array(right.name.utf8))
        }
        for item in items {
            try body(item)
            if case .entry(let entry) = item.kind, entry.kind == .directory {
                try emit(directory: item.path, body)
            }
        }
    }
}
