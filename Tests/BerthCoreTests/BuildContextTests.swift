import Foundation
import Testing
@testable import BerthCore
import DockerIgnore
#if canImport(Glibc)
import Glibc
#endif

@Suite("Build context packing")
struct BuildContextTests {
    static let rootFiles = [ContextFile(name: "Dockerfile", contents: "FROM scratch\nCOPY site/ /srv/site/\n")]

    func pack(_ site: TemporarySite, dereference: Bool = false, rules: IgnoreRules = .empty) async throws
        -> (entries: [TarEntry], summary: ContextSummary)
    {
        let tree = try SiteTree.open(root: site.path, rules: rules, dereference: dereference)
        return try await pack(BuildContext(rootFiles: Self.rootFiles, tree: tree))
    }

    func pack(_ context: BuildContext) async throws -> (entries: [TarEntry], summary: ContextSummary) {
        let stream = context.stream()
        var bytes: [UInt8] = []
        for try await chunk in stream {
            bytes += chunk.readableBytesView
        }
        let summary = try #require(stream.summary)
        #expect(summary.byteCount == Int64(bytes.count))
        return (try TarReader.entries(bytes), summary)
    }

    @Test("layout: Dockerfile at the root, the site under site/, sorted, with fixed owners, times and modes")
    func layout() async throws {
        let site = try TemporarySite()
        try site.write("index.html", "<h1>hi</h1>")
        try site.write("b/z.css", "z")
        try site.write("a-b.txt", "dash")
        try site.write("a/run.sh", "#!/bin/sh", mode: 0o700)
        try site.write("a/private.txt", "p", mode: 0o600)
        let (entries, summary) = try await pack(site)
        #expect(entries.map(\.path.trimmingSlash) == [
            "Dockerfile", "site", "site/a", "site/a/private.txt", "site/a/run.sh", "site/a-b.txt", "site/b",
            "site/b/z.css", "site/index.html", "site-manifest.json",
        ])
        for entry in entries {
            #expect(entry.uid == 0 && entry.gid == 0)
            #expect(entry.userName == nil || entry.userName == "")
            if entry.path.hasSuffix("/") || entry.path == "site" {
                #expect(entry.mtime == 946_684_800, "\(entry.path)")
            } else {
                #expect(entry.mtime == Int(TarWriter.modificationTime(content: Array(entry.text.utf8))),
                        "\(entry.path)")
            }
        }
        let modes = Dictionary(uniqueKeysWithValues: entries.map { ($0.path.trimmingSlash, $0.mode) })
        #expect(modes["site/a/run.sh"] == 0o755)
        #expect(modes["site/a/private.txt"] == 0o644)
        #expect(modes["site/index.html"] == 0o644)
        #expect(modes["site/a"] == 0o755)
        #expect(entries.first { $0.path == "site/index.html" }?.text == "<h1>hi</h1>")
        #expect(summary.digest.hasPrefix("sha256:") && summary.digest.count == 71)
    }

    @Test("the manifest gives each file the SHA-256 of the bytes packed for it (a big file as well)")
    func manifestDigests() async throws {
        let site = try TemporarySite()
        let big = (0..<(600 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        try site.write("index.html", "<h1>hi</h1>")
        try site.write("assets/big.bin", bytes: big)
        try site.write("empty.txt", "")
        let tree = try SiteTree.open(root: site.path, rules: .empty, dereference: false)
        let (_, manifest) = try await BuildContext(rootFiles: Self.rootFiles, tree: tree).summaryAndManifest()
        let (entries, _) = try await pack(site)
        let files = manifest.entries.filter { $0.sha256 != nil }
        #expect(files.map(\.path) == ["assets/big.bin", "empty.txt", "index.html"])
        for file in files {
            let packed = try #require(entries.first { $0.path == "site/" + file.path })
            #expect(file.sha256 == ContentHasher.hex(of: packed.contents), "\(file.path)")
        }
        #expect(files.first?.sha256 == ContentHasher.hex(of: big))
    }

    @Test("a file's time is derived from its content: the same in any site and path, another once it changes, in the past")
    func contentDerivedTimes() async throws {
        let site = try TemporarySite()
        try site.write("a.css", "h1 { color: red }")
        try site.write("deep/b.css", "h1 { color: red }")
        try site.write("c.css", "h1 { color: tan }")
        let (entries, _) = try await pack(site)
        let times = Dictionary(uniqueKeysWithValues: entries.map { ($0.path.trimmingSlash, $0.mtime) })
        let a = try #require(times["site/a.css"])
        #expect(times["site/deep/b.css"] == a, "the same content, the same time")
        #expect(times["site/c.css"] != a, "content of the same size but different: another time, so another ETag")
        #expect(a >= 946_684_800 && a < 946_684_800 + 20 * 365 * 86_400)
        try site.write("a.css", "h1 { color: tan }")
        let (again, _) = try await pack(site)
        #expect(again.first { $0.path == "site/a.css" }?.mtime == times["site/c.css"])
    }

    @Test("the same site packs to the same bytes, whatever the files' times, owners and permissions")
    func reproducible() async throws {
        let first = try TemporarySite()
        let second = try TemporarySite()
        for site in [first, second] {
            try site.write("index.html", "same")
            try site.write("deep/er/page.html", "page")
        }
        chmod(second.path + "/index.html", 0o600)
        chown(second.path + "/index.html", 1234, 5678)
        var times = [timespec(tv_sec: 12345, tv_nsec: 0), timespec(tv_sec: 12345, tv_nsec: 0)]
        utimensat(AT_FDCWD, second.path + "/deep/er/page.html", &times, 0)
        let a = try await pack(first)
        let b = try await pack(first)
        let c = try await pack(second)
        #expect(a.summary == b.summary)
        #expect(a.summary == c.summary)
        try second.write("index.html", "samf")
        let d = try await pack(second)
        #expect(d.summary.digest != a.summary.digest)
    }

    @Test("never ships .git, .dockerignore or berth.yml at the root")
    func neverShipped() async throws {
        let site = try TemporarySite()
        try site.write("index.html")
        try site.write(".git/config")
        try site.write(".dockerignore", "*.tmp\n")
        try site.write("berth.yml", "spa: true\n")
        try site.write("sub/berth.yml", "kept: inside a subdirectory\n")
        try site.write(".well-known/security.txt")
        let (entries, _) = try await pack(site)
        let paths = Set(entries.map(\.path.trimmingSlash))
        #expect(!paths.contains { $0.hasPrefix("site/.git") })
        #expect(!paths.contains("site/.dockerignore"))
        #expect(!paths.contains("site/berth.yml"))
        #expect(paths.contains("site/sub/berth.yml"))
        #expect(paths.contains("site/.well-known/security.txt"))
    }

    @Test("honours .dockerignore, including an excluded directory with a re-included child")
    func ignoreRules() async throws {
        let site = try TemporarySite()
        try site.write("index.html")
        try site.write("drafts/one.html")
        try site.write("drafts/keep.html")
        try site.write("notes.md")
        try site.write("a/b/c.map")
        let rules = try IgnoreRules(dockerignore: "drafts\n!drafts/keep.html\n*.md\n**/*.map\n")
        let (entries, _) = try await pack(site, rules: rules)
        let paths = entries.map(\.path.trimmingSlash)
        #expect(paths.contains("site/drafts/keep.html"))
        #expect(paths.contains("site/drafts"))
        #expect(!paths.contains("site/drafts/one.html"))
        #expect(!paths.contains("site/notes.md"))
        #expect(!paths.contains("site/a/b/c.map"))
    }

    @Test("odd names: spaces, non-ASCII, newlines, 255-byte components and very long paths")
    func oddNames() async throws {
        let site = try TemporarySite()
        let longComponent = String(repeating: "é", count: 127) + "x"  // 255 bytes
        #expect(longComponent.utf8.count == 255)
        let deepPath = (0..<12).map { "directory-\($0)-" + String(repeating: "d", count: 80) }.joined(separator: "/")
        let names = [
            "with space.html", "ünïcødé-日本語.html", "new\nline.html", longComponent, deepPath + "/page.html",
            "quote\"and'apostrophe.txt", "back\\slash.txt", "tab\tname.txt", "emoji-🚢.txt",
        ]
        for (index, name) in names.enumerated() {
            try site.write(name, "content \(index)")
        }
        let (entries, _) = try await pack(site)
        for (index, name) in names.enumerated() {
            let entry = entries.first { $0.path == "site/" + name }
            #expect(entry?.text == "content \(index)", "missing or wrong: \(name.debugDescription)")
        }
        #expect(deepPath.utf8.count > 1000)
    }

    @Test("a symlink that stays inside the site is packed as a link")
    func insideLink() async throws {
        let site = try TemporarySite()
        try site.write("index.html", "home")
        try site.write("docs/page.html", "page")
        try site.symlink("home.html", to: "index.html")
        try site.symlink("docs/up.html", to: "../index.html")
        try site.symlink("latest", to: "docs")
        let (entries, _) = try await pack(site)
        let kinds = Dictionary(uniqueKeysWithValues: entries.map { ($0.path.trimmingSlash, $0.kind) })
        #expect(kinds["site/home.html"] == .symlink("index.html"))
        #expect(kinds["site/docs/up.html"] == .symlink("../index.html"))
        #expect(kinds["site/latest"] == .symlink("docs"))
        #expect(!kinds.keys.contains("site/latest/page.html"))
    }

    @Test("links that escape the site are refused, each one named")
    func escapingLinks() throws {
        let outside = try TemporarySite()
        try outside.write("jquery.js", "outside")
        let site = try TemporarySite()
        try site.write("index.html")
        try site.symlink("abs.js", to: outside.path + "/jquery.js")
        try site.mkdir("_static")
        try site.symlink("_static/up.js", to: "../../jquery.js")
        do {
            _ = try SiteTree.open(root: site.path, rules: .empty).entries
            Issue.record("escaping links were accepted")
        } catch let error as SiteError {
            guard case .badEntries(_, let problems) = error else {
                Issue.record("wrong error: \(error)")
                return
            }
            #expect(Set(problems.map(\.path)) == ["abs.js", "_static/up.js"])
            #expect(error.description.contains("--dereference"))
        }
    }

    /// The problems a site's walk reports, by path.
    func problems(_ site: TemporarySite, dereference: Bool = false, rules: IgnoreRules = .empty) throws
        -> [String: EntryProblem.Kind]
    {
        let error = try #require(throws: SiteError.self) {
            try SiteTree.open(root: site.path, rules: rules, dereference: dereference).entries
        }
        guard case .badEntries(_, let problems) = error else {
            Issue.record("wrong error: \(error)")
            return [:]
        }
        return Dictionary(problems.map { ($0.path, $0.kind) }, uniquingKeysWith: { first, _ in first })
    }

    @Test("a link that escapes through a link to '.' is refused: links are resolved as the kernel resolves them")
    func escapeThroughLoop() throws {
        let site = try TemporarySite()
        try site.write("index.html")
        try site.symlink("loop", to: ".")
        try site.symlink("x", to: "loop/loop/../../etc/passwd")
        let found = try problems(site)
        #expect(found == ["x": .escapingLink(target: "loop/loop/../../etc/passwd", destination: "/etc/passwd")])
        let error = try #require(throws: SiteError.self) { try SiteTree.open(root: site.path, rules: .empty).entries }
        #expect(error.description.contains("x is a symlink to 'loop/loop/../../etc/passwd', which leads to /etc/passwd"))
    }

    @Test("'..' is taken from the directory a link leads to, not from the link's text")
    func dotDotAfterDirectoryLink() async throws {
        let site = try TemporarySite()
        try site.write("index.html", "home")
        try site.write("sub/deep/page.html", "page")
        try site.symlink("jump", to: "sub/deep")
        // The text climbs above the root, but jump is two levels deep: this lands on the root's index.html.
        try site.symlink("home.html", to: "jump/../../index.html")
        let (entries, _) = try await pack(site)
        #expect(entries.contains { $0.path == "site/home.html" && $0.kind == .symlink("jump/../../index.html") })

        try site.symlink("out", to: "jump/../../../../etc/passwd")
        try site.symlink("abs", to: "/etc/passwd")
        try site.symlink("sub/deep/up", to: "../../../secret")
        #expect(try problems(site) == [
            "abs": .escapingLink(target: "/etc/passwd", destination: "/etc/passwd"),
            "out": .escapingLink(target: "jump/../../../../etc/passwd", destination: "/etc/passwd"),
            "sub/deep/up": .escapingLink(target: "../../../secret", destination: "/srv/secret"),
        ])
    }

    @Test("links that loop are refused, naming each link, instead of being shipped")
    func loopingLinks() throws {
        let site = try TemporarySite()
        try site.write("index.html")
        try site.symlink("a", to: "b")
        try site.symlink("b", to: "a")
        try site.symlink("self", to: "self/x")
        let found = try problems(site)
        #expect(found == ["a": .tooManyLinks(target: "b"), "b": .tooManyLinks(target: "a"),
                          "self": .tooManyLinks(target: "self/x")])
        let error = try #require(throws: SiteError.self) { try SiteTree.open(root: site.path, rules: .empty).entries }
        #expect(error.description.contains("a is a symlink to 'b' that goes round in a loop"))
    }

    @Test("a chain of 40 links inside the site is shipped; one more than the kernel follows is refused")
    func linkChainLimit() throws {
        let site = try TemporarySite()
        try site.write("index.html")
        // link-0 -> index.html, link-n -> link-(n-1): resolving link-n follows n + 1 links.
        try site.symlink("link-0", to: "index.html")
        for index in 1..<LinkResolution.maximumLinks {
            try site.symlink("link-\(index)", to: "link-\(index - 1)")
        }
        #expect(try SiteTree.open(root: site.path, rules: .empty).entries.count == LinkResolution.maximumLinks + 1)
        try site.symlink("link-\(LinkResolution.maximumLinks)", to: "link-\(LinkResolution.maximumLinks - 1)")
        #expect(try problems(site) == ["link-40": .tooManyLinks(target: "link-39")])
    }

    @Test("--dereference refuses links into /proc, /sys and /dev, even through another link, saying why")
    func dereferencePseudoFileSystems() throws {
        let outside = try TemporarySite()
        try outside.symlink("proc", to: "/proc")
        let site = try TemporarySite()
        try site.write("index.html")
        try site.symlink("host-root", to: "/proc/self/root")
        try site.symlink("null", to: "/dev/null")
        try site.symlink("kernel", to: "/sys/kernel")
        try site.symlink("indirect", to: outside.path + "/proc/self/root/etc")
        let started = ContinuousClock.now
        let found = try problems(site, dereference: true)
        #expect(found == [
            "host-root": .pseudoFileSystem(target: "/proc/self/root", reached: "/proc"),
            "null": .pseudoFileSystem(target: "/dev/null", reached: "/dev"),
            "kernel": .pseudoFileSystem(target: "/sys/kernel", reached: "/sys"),
            "indirect": .pseudoFileSystem(target: outside.path + "/proc/self/root/etc", reached: "/proc"),
        ])
        #expect(ContinuousClock.now - started < .seconds(5), "refused before walking the host's file system")
        let error = try #require(throws: SiteError.self) {
            try SiteTree.open(root: site.path, rules: .empty, dereference: true).entries
        }
        #expect(error.description.contains("host-root is a symlink to '/proc/self/root', which goes through /proc"))
    }

    @Test("every .git directory is left out, at any depth, unless .dockerignore re-includes it by name")
    func nestedGitDirectories() async throws {
        let site = try TemporarySite()
        try site.write("index.html")
        try site.write(".git/config", "[remote] url = https://token@example.com")
        try site.write("sub/.git/config", "[credential] helper = store")
        try site.write("a/b/c/.git/HEAD", "ref: refs/heads/main")
        try site.write("vendor/lib/.git", "gitdir: ../../.git/modules/lib")
        try site.write("sub/page.html")
        let (entries, _) = try await pack(site)
        let paths = entries.map(\.path.trimmingSlash)
        #expect(!paths.contains { $0.split(separator: "/").contains(".git") }, "\(paths)")
        #expect(paths.contains("site/sub/page.html"))
        #expect(!(try SiteTree.open(root: site.path, rules: .empty).ships(file: "sub/.git/config")))

        let rules = try IgnoreRules(dockerignore: "!sub/.git\n")
        let (reincluded, _) = try await pack(site, rules: rules)
        let reincludedPaths = reincluded.map(\.path.trimmingSlash)
        #expect(reincludedPaths.contains("site/sub/.git/config"))
        #expect(!reincludedPaths.contains { $0.hasPrefix("site/.git") || $0.hasPrefix("site/a/b/c/.git") })
        // A re-inclusion undone by a later line leaves it out again.
        let (undone, _) = try await pack(site, rules: try IgnoreRules(dockerignore: "!**/.git\nsub/.git\n"))
        #expect(!undone.contains { $0.path.hasPrefix("site/sub/.git") })
        #expect(undone.contains { $0.path.hasPrefix("site/a/b/c/.git/HEAD") })
    }

    @Test("names starting with .wh. are refused by name, as FIFOs are; ignored ones are no problem")
    func whiteoutNames() throws {
        let site = try TemporarySite()
        try site.write("index.html")
        try site.write(".wh.index.html")
        try site.write("docs/.wh..wh..opq")
        try site.write(".wh.dir/page.html")
        #expect(try problems(site) == [".wh.index.html": .whiteoutName, "docs/.wh..wh..opq": .whiteoutName,
                                        ".wh.dir": .whiteoutName])
        let error = try #require(throws: SiteError.self) { try SiteTree.open(root: site.path, rules: .empty).entries }
        #expect(error.description.contains(".wh.index.html has a name starting with '.wh.'"))
        let rules = try IgnoreRules(dockerignore: "**/.wh.*\n")
        #expect(try SiteTree.open(root: site.path, rules: rules).entries.map(\.path) == ["docs", "index.html"])
    }

    @Test("--dereference packs the content behind an escaping link; a missing target is still an error")
    func dereference() async throws {
        let outside = try TemporarySite()
        try outside.write("jquery.js", "outside content")
        try outside.write("assets/logo.svg", "<svg/>")
        let site = try TemporarySite()
        try site.write("index.html")
        try site.mkdir("_static")
        try site.symlink("_static/jquery.js", to: outside.path + "/jquery.js")
        try site.symlink("assets", to: outside.path + "/assets")
        try site.symlink("inside.html", to: "index.html")
        let (entries, _) = try await pack(site, dereference: true)
        let byPath = Dictionary(uniqueKeysWithValues: entries.map { ($0.path.trimmingSlash, $0) })
        #expect(byPath["site/_static/jquery.js"]?.kind == .file)
        #expect(byPath["site/_static/jquery.js"]?.text == "outside content")
        #expect(byPath["site/assets/logo.svg"]?.text == "<svg/>")
        #expect(byPath["site/inside.html"]?.kind == .symlink("index.html"))

        try site.symlink("gone.js", to: outside.path + "/missing.js")
        #expect(throws: SiteError.self) { try SiteTree.open(root: site.path, rules: .empty, dereference: true).entries }
    }

    @Test("FIFOs, sockets and devices are refused by name, without blocking")
    func specialFiles() throws {
        let site = try TemporarySite()
        try site.write("index.html")
        #expect(mkfifo(site.path + "/pipe", 0o644) == 0)
        #expect(mknod(site.path + "/null-device", S_IFCHR | 0o644, dev_t((1 << 8) | 3)) == 0)
        let socketPath = site.path + "/control.sock"
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in socketPath.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        do {
            _ = try SiteTree.open(root: site.path, rules: .empty).entries
            Issue.record("special files were accepted")
        } catch {
            guard case .badEntries(_, let problems)? = error as? SiteError else { Issue.record("wrong error \(error)"); return }
            let kinds = Dictionary(uniqueKeysWithValues: problems.map { ($0.path, $0.kind) })
            #expect(kinds["pipe"] == .specialFile(kind: "named pipe (FIFO)"))
            #expect(kinds["control.sock"] == .specialFile(kind: "socket"))
            #expect(kinds["null-device"] == .specialFile(kind: "character device"))
        }
        // Ignored special files are no problem.
        let rules = try IgnoreRules(dockerignore: "pipe\nnull-device\ncontrol.sock\n")
        #expect(try SiteTree.open(root: site.path, rules: rules).entries.map(\.path) == ["index.html"])
    }

    @Test("missing path, a file instead of a directory, and an empty site are clear errors")
    func badRoots() async throws {
        let site = try TemporarySite()
        #expect(throws: SiteError.notFound(path: site.path + "/nope")) {
            try SiteTree.open(root: site.path + "/nope", rules: .empty)
        }
        let file = try site.write("file.txt")
        #expect(throws: SiteError.notADirectory(path: file)) { try SiteTree.open(root: file, rules: .empty) }
        let empty = try TemporarySite()
        try empty.mkdir("only/directories")
        try empty.write(".dockerignore", "*\n")
        #expect(throws: SiteError.empty(path: empty.path)) { try SiteTree.open(root: empty.path, rules: .empty).entries }
        let emptySite = try Site.load(path: empty.path)
        await #expect(throws: SiteError.empty(path: empty.path)) {
            try await BuildContext(rootFiles: Self.rootFiles, tree: emptySite.tree).summary()
        }
    }

    @Test("a file whose size differs from what was seen before reading fails the entry instead of writing a wrong one")
    func fileChangedWhileReading() throws {
        let site = try TemporarySite()
        let path = try site.write("big.bin", bytes: [UInt8](repeating: 7, count: 300_000))
        for seenSize: Int64 in [300_001, 10, 299_999] {
            let writer = try TarWriter { _ in true }
            #expect(throws: ContextError.self, "seen \(seenSize)") {
                try writer.addFile("site/big.bin", from: SourceName(directory: AT_FDCWD, name: path), sourcePath: path,
                           size: seenSize, executable: false)
            }
        }
        // The size seen is the size read: the entry is written.
        let writer = try TarWriter { _ in true }
        try writer.addFile("site/big.bin", from: SourceName(directory: AT_FDCWD, name: path), sourcePath: path,
                           size: 300_000, executable: false)
    }

    @Test("a FIFO put in a file's place after it was seen fails the pack, naming it, without blocking")
    func fifoAfterScan() async throws {
        let site = try TemporarySite()
        try site.write("index.html", "home")
        let path = try site.write("big.bin", bytes: [UInt8](repeating: 7, count: 300_000))
        let tree = try SiteTree.open(root: site.path, rules: .empty)
        unlink(path)
        #expect(mkfifo(path, 0o644) == 0)
        let context = BuildContext(rootFiles: Self.rootFiles, tree: tree)
        do {
            _ = try await context.summary()
            Issue.record("packing succeeded over a FIFO")
        } catch {
            #expect("\(error)".contains("big.bin"), "the error names the file: \(error)")
        }
    }

    @Test("a file edited between two packs is packed as it is when read")
    func editedAfterScan() async throws {
        let site = try TemporarySite()
        try site.write("index.html", "first")
        let tree = try SiteTree.open(root: site.path, rules: .empty)
        try site.write("index.html", "second, longer")
        let (entries, _) = try await pack(BuildContext(rootFiles: Self.rootFiles, tree: tree))
        #expect(entries.first { $0.path == "site/index.html" }?.text == "second, longer")
    }

    @Test("abandoning the stream stops the packer: it opens no file of the site after that")
    func abandon() async throws {
        let site = try TemporarySite()
        for index in 0..<64 {
            try site.write("file-\(index).bin", bytes: [UInt8](repeating: UInt8(index), count: 200_000))
        }
        let tree = try SiteTree.open(root: site.path, rules: .empty)
        let opened = try OpenedFiles(in: site.path)
        let stream = BuildContext(rootFiles: Self.rootFiles, tree: tree).stream()
        var iterator = stream.makeAsyncIterator()
        _ = try await iterator.next()
        stream.cancel()
        await #expect(throws: CancellationError.self) {
            while try await iterator.next() != nil {}
        }
        #expect(stream.summary == nil)
        // The packer was blocked by backpressure a few files in; once cancelled it must not go on reading.
        try await Task.sleep(for: .milliseconds(100))
        let atCancel = opened.names()
        try await Task.sleep(for: .milliseconds(500))
        let later = opened.names()
        #expect(later == atCancel, "files opened after the stream was abandoned: \(later.dropFirst(atCancel.count))")
        #expect(atCancel.count < 16, "the packer read ahead only as far as its buffer: \(atCancel)")
    }
}

extension String {
    var trimmingSlash: String { hasSuffix("/") ? String(dropLast()) : self }
}
