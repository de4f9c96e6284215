import BerthCore
import Foundation
import Testing

/// Delta publishes (issue 12): a republish loads one layer of the changes on the running version, and the tree the
/// container serves is the site's, exactly as a full build gives it.
@Suite("Delta publishes", .serialized, .blockingCalls)
struct DeltaPublishTests {
    /// A random sequence of edits over 30 publishes; after each, the running container's tree equals the site
    /// directory and a full build's, and the delta image's configuration equals the full build's.
    @Test("random edits over 30 publishes: the served tree is the site's and a full build's",
          .timeLimit(.minutes(15)))
    func randomEdits() async throws {
        let seed = ProcessInfo.processInfo.environment["BERTH_DELTA_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 1...UInt64.max)
        print("DeltaPublishTests.randomEdits seed: \(seed) (replay with BERTH_DELTA_SEED=\(seed))")
        var random = SeededGenerator(seed: seed)
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            var editor = SiteEditor(root: site)
            try editor.seed()
            var paths: [String: Int] = [:]
            var digests: Set<String> = []
            for step in 1...30 {
                let edits = step == 1 ? [] : try (0..<Int.random(in: 1...3, using: &random)).map { _ in
                    try editor.randomEdit(using: &random)
                }
                let outcome = try fixture.cli().run(["publish", site, "--user", fixture.user, "--name", "prop",
                                                     "--json"])
                try #require(outcome.status == 0, "seed \(seed) step \(step) after \(edits): \(outcome)")
                // Edits that cancel out leave the site up to date: nothing is made.
                let path = outcome.result?["imagePath"] as? [String: Any] ?? [:]
                let pathName = path["path"] as? String ?? "up to date"
                #expect(pathName != "up to date" || outcome.result?["upToDate"] as? Bool == true, "\(outcome)")
                paths[pathName, default: 0] += 1
                let digest = outcome.result?["digest"] as? String ?? ""
                if step > 1, pathName == "full" {
                    // Or edits that brought back a tree published before: its version's image is built again
                    // (from the builder's cache), not stacked as a delta.
                    let reason = path["reason"] as? String ?? ""
                    let again = reason == "this version's image was made before" && digests.contains(digest)
                    #expect(reason.hasPrefix("compacting") || again,
                            "seed \(seed) step \(step) after \(edits): only a compaction, or a tree published before, builds in full: \(path)")
                }
                digests.insert(digest)
                let container = try #require(try await fixture.engine.inspectContainer("berth--\(fixture.user)--prop"))
                let served = try await ServedTree(container: container.id, engine: fixture.engine)
                let expected = try ServedTree(directory: site)
                #expect(served == expected,
                        "seed \(seed) step \(step) after \(edits):\n\(served.differences(from: expected))")
                let reference = try await FullBuild.make(site: site, name: "prop", fixture: fixture)
                #expect(served == reference.tree,
                        "seed \(seed) step \(step), against a full build:\n\(served.differences(from: reference.tree))")
                let image = try #require(try await fixture.engine.inspectImage(container.image))
                #expect(FullBuild.comparable(image) == FullBuild.comparable(reference.image),
                        "seed \(seed) step \(step): the image's configuration is a full build's")
                #expect(image.labels[BerthLabel.digest] == outcome.result?["digest"] as? String)
                try await reference.remove(fixture)
                let page = try await PublishFixture.get(try #require(outcome.result?["url"] as? String) + "/")
                let index = Array(try Data(contentsOf: URL(fileURLWithPath: site + "/index.html")))
                #expect(page.status == 200 && Array(page.body.utf8) == index,
                        "seed \(seed) step \(step): / serves index.html as it is now")
            }
            #expect(paths["delta", default: 0] >= 20, "seed \(seed): \(paths)")
            #expect(paths["full", default: 0] >= 2, "seed \(seed): the first publish and a compaction: \(paths)")
        }
    }

    @Test("each precondition that fails builds in full and says why", .timeLimit(.minutes(8)))
    func fallbacks() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            func publish(_ extra: [String] = [], environment: [String: String] = [:]) throws -> [String: Any] {
                let outcome = try fixture.cli(environment).run(["publish", site, "--user", fixture.user, "--json"]
                                                                + extra)
                try #require(outcome.status == 0, "\(outcome)")
                return try #require(outcome.result?["imagePath"] as? [String: Any], "\(outcome)")
            }
            func change(_ text: String) throws {
                try "<h1>\(text)</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
            }
            #expect(try publish()["reason"] as? String == "no version of the site on local to build on")

            try change("off")
            let off = try publish(environment: ["BERTH_DELTA": "off"])
            #expect(off["path"] as? String == "full")
            #expect(off["reason"] as? String == "delta publishes are turned off (BERTH_DELTA=off)")

            try change("spa")
            try "spa: true\n".write(toFile: site + "/berth.yml", atomically: true, encoding: .utf8)
            let settings = try publish()
            #expect(settings["path"] as? String == "full")
            #expect((settings["reason"] as? String)?.contains("templates or server settings changed") == true,
                    "\(settings)")

            try change("templates")
            let templates = try fixture.templatesWithComment()
            let changedTemplates = try publish(environment: ["BERTH_TEMPLATES": templates])
            #expect((changedTemplates["reason"] as? String)?.contains("templates or server settings changed") == true,
                    "\(changedTemplates)")

            // The base image: a tag of this test's own, moved to another image between two publishes.
            let baseTag = "berth-test/nginx:delta-\(fixture.user)"
            let nginx = try #require(try await fixture.engine.inspectImage(fixture.nginxImage))
            try await fixture.engine.tagImage(nginx.id, repository: "berth-test/nginx", tag: "delta-\(fixture.user)")
            defer { Task { try? await fixture.engine.removeImage(baseTag) } }
            try change("base 1")
            _ = try publish(["--base-image", baseTag], environment: ["BERTH_TEMPLATES": templates])
            try change("base 2")
            #expect(try publish(["--base-image", baseTag], environment: ["BERTH_TEMPLATES": templates])["path"]
                    as? String == "delta")
            // Another image under the same tag, as a pulled update of the base would be.
            let update = BuildContext(
                rootFiles: [ContextFile(name: "Dockerfile", contents: "FROM \(fixture.nginxImage)\nLABEL update=\(fixture.user)\n")],
                tree: try SiteTree.open(root: site, rules: .empty))
            try await fixture.engine.buildRetrying({ update.stream() },
                                                   options: BuildOptions(tags: [baseTag], labels: [BerthLabel.user: fixture.user]))
            try change("base 3")
            let base = try publish(["--base-image", baseTag], environment: ["BERTH_TEMPLATES": templates])
            #expect((base["reason"] as? String)?.hasPrefix("the base image changed") == true, "\(base)")
        }
    }

    @Test("a stopped version whose image was removed is built on in full, saying its image is gone",
          .timeLimit(.minutes(6)))
    func imageGone() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            let first = try fixture.cli().run(["publish", site, "--user", fixture.user])
            try #require(first.status == 0, "\(first)")
            let stop = try fixture.cli().run(["stop", "hello", "--user", fixture.user])
            try #require(stop.status == 0, "\(stop)")
            let container = try #require(try await fixture.engine.inspectContainer("berth--\(fixture.user)--hello"))
            // A stopped container does not keep its image from a forced removal.
            try await fixture.engine.removeImage(container.image, force: true)
            try "<h1>after</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
            let outcome = try fixture.cli().run(["publish", site, "--user", fixture.user, "--json"])
            try #require(outcome.status == 0, "\(outcome)")
            let path = try #require(outcome.result?["imagePath"] as? [String: Any])
            #expect(path["path"] as? String == "full")
            #expect((path["reason"] as? String)?.contains("is gone from local") == true, "\(path)")
        }
    }

    @Test("--keep never removes a layer a kept delta version needs; rollback to a delta version serves its files",
          .timeLimit(.minutes(8)))
    func keepAndRollback() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            var trees: [String: ServedTree] = [:]
            var versions: [String] = []
            for step in 1...4 {
                try "<h1>version \(step)</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
                try Data(repeating: UInt8(step), count: 1000 * step).write(to: URL(fileURLWithPath: site + "/v\(step).bin"))
                if step == 3 { try FileManager.default.removeItem(atPath: site + "/v1.bin") }
                let outcome = try fixture.cli().run(["publish", site, "--user", fixture.user, "--keep", "2", "--json"])
                try #require(outcome.status == 0, "\(outcome)")
                let version = try #require(outcome.result?["version"] as? String)
                if step > 1 {
                    #expect((outcome.result?["imagePath"] as? [String: Any])?["path"] as? String == "delta")
                }
                versions.append(version)
                trees[version] = try ServedTree(directory: site)
            }
            // The full build (version 1) and the first delta are gone; versions 3 and 4, deltas on them, remain.
            let kept = try fixture.cli().run(["versions", "hello", "--user", fixture.user, "--json"])
            #expect(Set(kept.jsonLines.compactMap { $0["version"] as? String }) == Set(versions.suffix(2)), "\(kept)")
            let rollback = try fixture.cli().run(["rollback", "hello", "--user", fixture.user, "--to", versions[2]])
            try #require(rollback.status == 0, "\(rollback)")
            let container = try #require(try await fixture.engine.inspectContainer("berth--\(fixture.user)--hello"))
            let served = try await ServedTree(container: container.id, engine: fixture.engine)
            #expect(served == trees[versions[2]], "\(served.differences(from: trees[versions[2]]!))")
            // The newest version's image still makes a container with all its files.
            let image = "\(fixture.user)/hello:\(versions[3])"
            let id = try await fixture.engine.createContainer(
                name: "check-\(fixture.user)", config: ContainerCreate(image: image, labels: [BerthLabel.user: fixture.user]))
            let newest = try await ServedTree(container: id, engine: fixture.engine)
            #expect(newest == trees[versions[3]], "\(newest.differences(from: trees[versions[3]]!))")
            try await fixture.engine.removeContainer(id, force: true)
        }
    }
}

/// The reference: the site built in full by the engine from its build context, as publish's full build does.
struct FullBuild {
    var tag: String
    var container: String
    var tree: ServedTree
    var image: ImageInspect

    static func make(site path: String, name: String, fixture: PublishFixture) async throws -> FullBuild {
        let site = try Site.load(path: path)
        let identity = try site.identity(name: name, user: fixture.user)
        let base = try #require(try await fixture.engine.inspectImage(fixture.nginxImage))
        let context = try site.buildContext(templates: .builtIn, identity: identity, server: .nginx,
                                            baseImage: try ImageReference(parsing: fixture.nginxImage))
        let summary = try await context.summary()
        let baseImage = BaseImage(reference: fixture.nginxImage, id: base.id)
        var labels = baseImage.labels
        labels[BerthLabel.digest] = summary.digest
        labels[BerthLabel.version] = baseImage.version(of: summary)
        labels[DeltaLabel.recipe] = context.recipeDigest
        let tag = "\(fixture.user)/reference:\(summary.version)"
        try await fixture.engine.buildRetrying({ context.stream() }, options: BuildOptions(tags: [tag], labels: labels))
        let container = try await fixture.engine.createContainer(
            name: "reference-\(fixture.user)", config: ContainerCreate(image: tag, labels: [BerthLabel.user: fixture.user]))
        let tree = try await ServedTree(container: container, engine: fixture.engine)
        let image = try #require(try await fixture.engine.inspectImage(tag))
        return FullBuild(tag: tag, container: container, tree: tree, image: image)
    }

    func remove(_ fixture: PublishFixture) async throws {
        try await fixture.engine.removeContainer(container, force: true)
        _ = try? await fixture.engine.removeImage(tag, force: true)
    }

    /// The configuration a container gets from an image, without the labels only delta images carry.
    static func comparable(_ image: ImageInspect) -> ImageInspect.Config? {
        guard var config = image.config else { return nil }
        config.labels?[DeltaLabel.depth] = nil
        config.labels?[DeltaLabel.bytes] = nil
        return config
    }
}

/// Random edits of a site directory: every kind of change a delta layer must carry.
struct SiteEditor {
    let root: String
    private var counter = 0

    init(root: String) { self.root = root }

    private var fileManager: FileManager { .default }

    func seed() throws {
        try fileManager.createDirectory(atPath: root + "/docs/deep", withIntermediateDirectories: true)
        try "a".write(toFile: root + "/docs/a.html", atomically: true, encoding: .utf8)
        try "b".write(toFile: root + "/docs/deep/b.txt", atomically: true, encoding: .utf8)
        try "ü".write(toFile: root + "/docs/ü x.txt", atomically: true, encoding: .utf8)
    }

    /// Paths no edit touches: the page the check asks for, the error page (removing it changes the server's
    /// configuration, which is a full build's job) and berth's own settings.
    static let untouched: Set<String> = ["index.html", "404.html", ".dockerignore", "berth.yml"]

    /// Every path below the root but the untouched ones, as (path, is a directory).
    private func entries() throws -> [(String, Bool)] {
        var result: [(String, Bool)] = []
        func walk(_ relative: String) throws {
            let directory = relative.isEmpty ? root : root + "/" + relative
            for name in try fileManager.contentsOfDirectory(atPath: directory).sorted() {
                let path = relative.isEmpty ? name : relative + "/" + name
                if Self.untouched.contains(path) { continue }
                let type = try fileManager.attributesOfItem(atPath: root + "/" + path)[.type] as? FileAttributeType
                result.append((path, type == .typeDirectory))
                if type == .typeDirectory { try walk(path) }
            }
        }
        try walk("")
        return result
    }

    mutating func randomEdit(using random: inout SeededGenerator) throws -> String {
        counter += 1
        let all = try entries()
        let files = all.filter { !$0.1 }.map(\.0).filter {
            (try? fileManager.destinationOfSymbolicLink(atPath: root + "/" + $0)) == nil
        }
        let directories = [""] + all.filter(\.1).map(\.0)
        func full(_ path: String) -> String { root + "/" + path }
        func inDirectory(_ directory: String, _ name: String) -> String { directory.isEmpty ? name : directory + "/" + name }
        // Random letters: a page that compresses too well is refused by the test's HTTP client.
        let content = "edit \(counter) " + String((0..<Int.random(in: 1...2000, using: &random)).map { _ in
            Character(Unicode.Scalar(UInt8.random(in: 97...122, using: &random)))
        })
        switch Int.random(in: 0..<9, using: &random) {
        case 0, 1:
            let path = inDirectory(directories.randomElement(using: &random)!, "new-\(counter).html")
            try content.write(toFile: full(path), atomically: false, encoding: .utf8)
            return "add \(path)"
        case 2:
            guard let path = (files + ["index.html"]).randomElement(using: &random) else { return "none" }
            try content.write(toFile: full(path), atomically: false, encoding: .utf8)
            return "modify \(path)"
        case 3:
            guard let path = files.randomElement(using: &random) else { return "none" }
            try fileManager.removeItem(atPath: full(path))
            return "delete \(path)"
        case 4:
            guard let path = files.randomElement(using: &random) else { return "none" }
            let target = inDirectory(directories.randomElement(using: &random)!, "renamed-\(counter)")
            try fileManager.moveItem(atPath: full(path), toPath: full(target))
            return "rename \(path) to \(target)"
        case 5:
            guard let path = files.randomElement(using: &random) else { return "none" }
            let mode = (try fileManager.attributesOfItem(atPath: full(path))[.posixPermissions] as? Int) ?? 0o644
            try fileManager.setAttributes([.posixPermissions: mode & 0o111 == 0 ? 0o755 : 0o644], ofItemAtPath: full(path))
            return "chmod \(path)"
        case 6:
            guard let path = files.randomElement(using: &random) else { return "none" }
            try fileManager.removeItem(atPath: full(path))
            try fileManager.createDirectory(atPath: full(path), withIntermediateDirectories: false)
            try content.write(toFile: full(path) + "/inside.txt", atomically: false, encoding: .utf8)
            return "file to directory \(path)"
        case 7:
            guard let path = directories.dropFirst().randomElement(using: &random) else { return "none" }
            try fileManager.removeItem(atPath: full(path))
            if Bool.random(using: &random) {
                try content.write(toFile: full(path), atomically: false, encoding: .utf8)
                return "directory to file \(path)"
            }
            return "delete directory \(path)"
        default:
            // index.html: a target no edit removes, so the link never dangles.
            let target = "index.html"
            let directory = directories.randomElement(using: &random)!
            let link = inDirectory(directory, "link-\(counter)")
            let depth = directory.isEmpty ? 0 : directory.split(separator: "/").count
            try fileManager.createSymbolicLink(atPath: full(link),
                                               withDestinationPath: String(repeating: "../", count: depth) + target)
            return "link \(link) -> \(target)"
        }
    }
}

extension MultiHostTests {
    @Test("a delta published with --build-host reaches the target through the registry")
    func deltaWithBuildHost() async throws {
        try await withTopology { topology, fixture in
            let site = try fixture.copyOfSite()
            func publish() throws -> BerthCLI.Outcome {
                let outcome = try cli(fixture).run([
                    "publish", site, "--hosts", topology.hostsFile, "--host", "web2", "--build-host", "web1",
                    "--user", fixture.user, "--json",
                ])
                try #require(outcome.status == 0, "\(outcome)")
                return outcome
            }
            _ = try publish()
            try "<h1>changed by a delta</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
            let delta = try publish()
            let result = try #require(delta.result)
            #expect((result["imagePath"] as? [String: Any])?["path"] as? String == "delta", "\(delta)")
            let image = try #require(result["image"] as? String)
            #expect(image.hasPrefix(topology.registry + "/"))
            #expect(delta.jsonLines.contains { $0["event"] as? String == "pushed" && $0["reference"] as? String == image },
                    "the new version is in the registry: \(delta)")
            let web2 = topology.engine(topology.web2)
            let container = try #require(try await web2.inspectContainer(
                SiteIdentity(user: fixture.user, site: "hello").containerName))
            #expect(container.config.image == image)
            let page = try await PublishFixture.get(try #require(result["url"] as? String))
            #expect(page.status == 200 && page.body.contains("changed by a delta"), "\(page)")
            let served = try await ServedTree(container: container.id, engine: web2)
            #expect(served == (try ServedTree(directory: site)))
            // The registry's copy is whole: web1, which holds none of the site's layers, pulls and runs it.
            let web1 = topology.engine(topology.web1)
            let colon = try #require(image.lastIndex(of: ":"))
            let auth = RegistryAuthHeader.value(
                for: RegistryCredentials(username: fixture.registryUser, password: fixture.registryPassword, source: "test"),
                registry: topology.registry)
            for try await _ in web1.pull(image: String(image[..<colon]), tag: String(image[image.index(after: colon)...]),
                                         registryAuth: auth) {}
            let copy = try await web1.createContainer(
                name: "pulled-\(fixture.user)", config: ContainerCreate(image: image, labels: [BerthLabel.user: fixture.user]))
            #expect(try await ServedTree(container: copy, engine: web1) == served)
        }
    }
}
