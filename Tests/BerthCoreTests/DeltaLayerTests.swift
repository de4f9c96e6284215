import Foundation
import Testing
@testable import BerthCore

@Suite("Delta layers")
struct DeltaLayerTests {
    static func file(_ path: String, _ content: String, executable: Bool = false) -> SiteManifest.Entry {
        .file(path, size: Int64(content.utf8.count), sha256: ContentHasher.hex(of: Array(content.utf8)),
              executable: executable, source: nil)
    }

    static let before = SiteManifest(entries: [
        file("index.html", "a"), .directory("docs"), file("docs/a.html", "a"), file("docs/b.html", "b"),
        .directory("gone"), file("gone/x", "x"), file("becomes-dir", "f"), .directory("becomes-file"),
        file("becomes-file/y", "y"), file("run.sh", "echo"), .symlink("link", target: "index.html"),
    ])
    static let after = SiteManifest(entries: [
        file("index.html", "changed"), .directory("becomes-dir"), file("becomes-dir/inside", "i"),
        file("becomes-file", "now a file"), .directory("docs"), file("docs/a.html", "a"), file("docs/c.html", "c"),
        .symlink("link", target: "docs/a.html"), file("run.sh", "echo", executable: true),
    ])

    @Test("the diff: added, changed, mode and link changes written; deletions as whiteouts; type changes replace")
    func diff() {
        let diff = ManifestDiff(from: Self.before, to: Self.after)
        #expect(diff.written.map(\.path) == ["index.html", "becomes-dir", "becomes-dir/inside", "becomes-file",
                                             "docs/c.html", "link", "run.sh"])
        // gone/x goes with gone; becomes-file/y is hidden by the file that takes its directory's place.
        #expect(Set(diff.deleted) == ["docs/b.html", "gone"])
        #expect(diff.opaque == ["becomes-dir"])
        #expect(ManifestDiff(from: Self.after, to: Self.after).isEmpty)
    }

    @Test("the layer: parents first with 0755, whiteouts before their siblings, an opaque directory, the manifest")
    func layer() throws {
        let site = try TemporarySite()
        for entry in Self.after.entries where entry.kind == .file {
            let content = ["index.html": "changed", "becomes-dir/inside": "i", "becomes-file": "now a file",
                           "docs/a.html": "a", "docs/c.html": "c", "run.sh": "echo"][entry.path]!
            try site.write(entry.path, content, mode: entry.executable == true ? 0o755 : 0o644)
        }
        let diff = ManifestDiff(from: Self.before, to: Self.after)
        let path = site.path + "/../layer-\(UUID().uuidString).tar"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let layer = try DeltaLayer.write(diff, manifest: Self.after, siteRoot: site.path, sitePath: site.path,
                                         to: path)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(layer.byteCount == Int64(bytes.count))
        #expect(layer.diffID == "sha256:" + ContentHasher.hex(of: bytes))
        let entries = try TarReader.entries(bytes)
        #expect(entries.map(\.path.trimmingSlash) == [
            "etc", "etc/berth", "etc/berth/site-manifest.json", "srv", "srv/site",
            "srv/site/.wh.gone", "srv/site/becomes-dir", "srv/site/becomes-dir/.wh..wh..opq",
            "srv/site/becomes-dir/inside", "srv/site/becomes-file", "srv/site/docs", "srv/site/docs/.wh.b.html",
            "srv/site/docs/c.html", "srv/site/index.html", "srv/site/link", "srv/site/run.sh",
        ])
        for entry in entries {
            // Files get the time a full build's context gives them (from their content): nginx's ETag is the same
            // whichever way the version was made.
            let time = entry.kind == .file ? Int(TarWriter.modificationTime(content: entry.contents)) : 946_684_800
            #expect(entry.uid == 0 && entry.gid == 0 && entry.mtime == time, "\(entry)")
            if entry.kind == .directory { #expect(entry.mode == 0o755, "\(entry)") }
        }
        #expect(entries.first { $0.path == "srv/site/run.sh" }?.mode == 0o755)
        #expect(entries.first { $0.path == "srv/site/link" }?.kind == .symlink("docs/a.html"))
        #expect(entries.first { $0.path == "srv/site/index.html" }?.text == "changed")
        let manifest = try #require(entries.first { $0.path == "etc/berth/site-manifest.json" })
        #expect(SiteManifest.decode(manifest.contents) == Self.after)
    }

    @Test("a file that changed after it was packed fails the layer, naming the site")
    func changedFile() throws {
        let site = try TemporarySite()
        try site.write("index.html", "not what the manifest says")
        let manifest = SiteManifest(entries: [Self.file("index.html", "changed")])
        let diff = ManifestDiff(from: SiteManifest(entries: []), to: manifest)
        let path = site.path + "/../layer-\(UUID().uuidString).tar"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: PublishError.self) {
            try DeltaLayer.write(diff, manifest: manifest, siteRoot: site.path, sitePath: "the site", to: path)
        }
        #expect(error?.description.contains("the site") == true, "\(String(describing: error))")
    }

    @Test("a .wh. name is refused for a layer")
    func reservedName() throws {
        let manifest = SiteManifest(entries: [Self.file(".wh.x", "x")])
        let diff = ManifestDiff(from: SiteManifest(entries: []), to: manifest)
        #expect(throws: DeltaRefusal.self) {
            try DeltaLayer.write(diff, manifest: manifest, siteRoot: "/nonexistent", sitePath: "s", to: "/dev/null")
        }
    }

    @Test("the context ends with the manifest of what it packed, whose digests are the files'")
    func manifestInContext() async throws {
        let site = try TemporarySite()
        try site.write("index.html", "<h1>hi</h1>")
        try site.write("a/run.sh", "#!/bin/sh", mode: 0o755)
        let context = BuildContext(rootFiles: [ContextFile(name: "Dockerfile", contents: "FROM scratch\n")],
                                   tree: try SiteTree.open(root: site.path, rules: .empty))
        let stream = context.stream()
        var bytes: [UInt8] = []
        for try await chunk in stream { bytes += chunk.readableBytesView }
        let last = try #require(try TarReader.entries(bytes).last)
        #expect(last.path == BuildContextLayout.siteManifest)
        let manifest = try #require(SiteManifest.decode(last.contents))
        #expect(try manifest.encoded() == stream.manifest?.encoded())
        #expect(manifest.entries == [.directory("a"), Self.file("a/run.sh", "#!/bin/sh", executable: true),
                                     Self.file("index.html", "<h1>hi</h1>")])
    }

    @Test("compaction: after N deltas, past the layer limit, or when the deltas outweigh half the site")
    func compaction() {
        let policy = DeltaPolicy()
        #expect(policy.compaction(depth: 5, layers: 20, deltaBytes: 1000, siteBytes: 100_000) == nil)
        #expect(policy.compaction(depth: 20, layers: 20, deltaBytes: 1000, siteBytes: 100_000)?
            .hasPrefix("compacting: 20 delta layers") == true)
        #expect(policy.compaction(depth: 2, layers: 100, deltaBytes: 1000, siteBytes: 100_000) != nil)
        #expect(policy.compaction(depth: 2, layers: 20, deltaBytes: 60 << 20, siteBytes: 100 << 20)?
            .contains("more than 50 %") == true)
        // A small site may carry deltas up to 1 MiB before compacting.
        #expect(policy.compaction(depth: 2, layers: 20, deltaBytes: 900_000, siteBytes: 10_000) == nil)
    }

    @Test("an engine on containerd's image store is seen as such (its DriverStatus)")
    func containerdStore() throws {
        let containerd = #"{"Driver":"overlayfs","DriverStatus":[["driver-type","io.containerd.snapshotter.v1"]]}"#
        let classic = #"{"Driver":"overlay2","DriverStatus":[["Backing Filesystem","extfs"],["Supports d_type","true"]]}"#
        let decoder = JSONDecoder()
        #expect(try decoder.decode(EngineStorageInfo.self, from: Data(containerd.utf8)).containerdSnapshotter
                == "io.containerd.snapshotter.v1")
        #expect(try decoder.decode(EngineStorageInfo.self, from: Data(classic.utf8)).containerdSnapshotter == nil)
    }
}
