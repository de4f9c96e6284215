import BerthCore
import Foundation
import NIOCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Against the real dockerd (DOCKER_HOST, else /var/run/docker.sock). Everything created carries `berth.test=1`
/// and is removed at the end. Without a daemon the suite is skipped, except under CI=true, where it fails.
@Suite(
    "Docker Engine against the real daemon", .serialized,
    .enabled("needs a Docker daemon", { await EngineFixture.daemonAvailable || EngineFixture.isCI }),
    .timeLimit(.minutes(10)), .blockingCalls)
struct EngineTests {
    let engine = DockerEngine(endpoint: EngineFixture.endpoint)

    @Test func pingVersionAndInfo() async throws {
        let ping = try await engine.ping()
        #expect(ping.daemonAPIVersion >= EngineAPIVersion.oldestSupported)
        #expect(ping.negotiatedAPIVersion <= EngineAPIVersion.newestSupported)
        #expect(ping.negotiatedAPIVersion == min(ping.daemonAPIVersion, .newestSupported))
        #expect(ping.osType == "linux")
        #expect(try await engine.apiVersion() == ping.negotiatedAPIVersion)

        let version = try await engine.version()
        #expect(!version.version.isEmpty)
        #expect(EngineAPIVersion(version.apiVersion) == ping.daemonAPIVersion)
        #expect(version.os == "linux")
        #expect(!version.arch.isEmpty)

        let info = try await engine.info()
        #expect(info.cpuCount > 0)
        #expect(info.memoryTotal > 0)
        #expect(!info.name.isEmpty)
        #expect(info.serverVersion == version.version)
        #expect(info.containersRunning >= 0)
    }

    @Test func buildsFromAStreamedContextAndManagesTheImage() async throws {
        let repository = "berth-test/engine-e2e"
        let tag = EngineFixture.uniqueSuffix()
        let reference = "\(repository):\(tag)"
        let context = try EngineFixture.tarContext(files: [
            "Dockerfile": "FROM scratch\nCOPY hello.txt /srv/hello.txt\nLABEL from.dockerfile=yes\n",
            "hello.txt": "hello from berth\n",
        ])
        var events: [BuildEvent] = []
        for try await event in engine.build(
            context: context,
            options: BuildOptions(tags: [reference], labels: EngineFixture.labels(["berth.site": "engine-e2e"]))
        ) {
            events.append(event)
        }
        guard case .built(let imageID) = events.last else {
            Issue.record("the build did not end with .built: \(events)")
            return
        }
        #expect(imageID.hasPrefix("sha256:"))
        let output = events.compactMap { if case .output(let text) = $0 { text } else { nil } }.joined()
        // The classic builder turns the `labels` parameter into LABEL steps of its own.
        #expect(output.contains("Step 1/6 : FROM scratch"))
        #expect(output.contains("Successfully tagged \(reference)"))

        let image = try #require(try await engine.inspectImage(reference))
        #expect(image.id == imageID)
        #expect(image.labels["berth.test"] == "1")
        #expect(image.labels["berth.site"] == "engine-e2e")
        #expect(image.labels["from.dockerfile"] == "yes")
        #expect(image.repoTags?.contains(reference) == true)

        let listed = try await engine.listImages(labelFilters: ["berth.test=1", "berth.site=engine-e2e"])
        #expect(listed.contains { $0.id == imageID })
        let others = try await engine.listImages(labelFilters: ["berth.site=no-such-site-\(tag)"])
        #expect(others.isEmpty)

        try await engine.tagImage(reference, repository: repository, tag: tag + "-again")
        #expect(try await engine.inspectImage("\(repository):\(tag)-again")?.id == imageID)

        await #expect(throws: EngineError.self) {
            try await engine.tagImage("berth-test/no-such-image:\(tag)", repository: repository, tag: "x")
        }

        let removed = try await engine.removeImage("\(repository):\(tag)-again")
        #expect(removed.contains { $0.untagged == "\(repository):\(tag)-again" })
        try await engine.removeImage(reference, force: true)
        #expect(try await engine.inspectImage(reference) == nil)
        await #expect(throws: EngineError.self) { try await engine.removeImage(reference) }
    }

    /// The classic builder parses the Dockerfile before it starts streaming, so a parse error is an HTTP 400,
    /// not an in-band line; a failing step (below) is in-band.
    @Test func aBadInstructionFailsWithTheDaemonsMessage() async throws {
        let context = try EngineFixture.tarContext(files: ["Dockerfile": "FROM scratch\nBOGUS nothing\n"])
        let error = await #expect(throws: EngineError.self) {
            for try await _ in engine.build(context: context, options: BuildOptions(labels: EngineFixture.labels())) {}
        }
        switch error {
        case .api(_, 400, let message)?, .inBand(_, let message)?:
            #expect(message.lowercased().contains("unknown instruction: bogus"), "\(message)")
        default:
            Issue.record("expected the daemon's refusal, got \(String(describing: error))")
        }
    }

    @Test func aFailingStepFailsInBandUnder200() async throws {
        let context = try EngineFixture.tarContext(files: ["Dockerfile": "FROM scratch\nCOPY missing.txt /x\n"])
        var sawFirstStep = false
        let error = try await #require(throws: EngineError.self) {
            for try await event in engine.build(context: context, options: BuildOptions(labels: EngineFixture.labels()))
            {
                if case .output(let text) = event, text.contains("Step 1/") { sawFirstStep = true }
            }
        }
        guard case .inBand(_, let message) = error else {
            Issue.record("expected an in-band failure, got \(error)")
            return
        }
        #expect(message.contains("missing.txt"), "\(message)")
        #expect(sawFirstStep)
    }

    @Test func cancellingTheConsumerCancelsTheBuild() async throws {
        // An endless context (one huge file) that counts the chunks the upload pulls: once the request is
        // torn down, pulling stops (the HTTP client may still hold one pending pull).
        let context = EndlessContext()
        let build = engine.build(context: context, options: BuildOptions(labels: EngineFixture.labels()))
        let consumer = Task {
            for try await _ in build {}
        }
        let uploading = ContinuousClock.now + .seconds(60)
        while await context.counter.value < 20, ContinuousClock.now < uploading {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(await context.counter.value >= 20, "the upload did not start")
        let started = ContinuousClock.now
        consumer.cancel()
        _ = await consumer.result
        // Only a guard against a hang: the consumer's stream ends as soon as its task is cancelled.
        #expect(ContinuousClock.now - started < .seconds(30))
        // The request is torn down after the consumer has returned, in the task that feeds the stream; on a loaded
        // machine that can take longer than any fixed pause. Wait until the pulling has paused for half a second
        // (an upload that goes on never does for long), then it must stay stopped.
        let settling = ContinuousClock.now + .seconds(30)
        var pulledAfterCancel = await context.counter.value
        while ContinuousClock.now < settling {
            try await Task.sleep(for: .milliseconds(500))
            let now = await context.counter.value
            if now == pulledAfterCancel { break }
            pulledAfterCancel = now
        }
        try await Task.sleep(for: .seconds(1))
        #expect(await context.counter.value - pulledAfterCancel <= 1, "the upload went on after cancellation")
        #expect(try await engine.ping().osType == "linux")
    }

    @Test func pushToAnAbsentRegistryFailsInBand() async throws {
        let tag = EngineFixture.uniqueSuffix()
        let context = try EngineFixture.tarContext(files: ["Dockerfile": "FROM scratch\nLABEL x=1\n"])
        let repository = "127.0.0.1:1/berth-test/engine-push"
        for try await _ in engine.build(
            context: context, options: BuildOptions(tags: ["\(repository):\(tag)"], labels: EngineFixture.labels()))
        {}
        defer { EngineFixture.removeImageLater("\(repository):\(tag)") }

        let error = try await #require(throws: EngineError.self) {
            for try await _ in engine.push(repository: repository, tag: tag) {}
        }
        guard case .inBand(let operation, let message) = error else {
            Issue.record("expected an in-band failure, got \(error)")
            return
        }
        #expect(operation.contains(repository))
        #expect(message.contains("127.0.0.1:1"), "\(message)")
        await EngineFixture.removeImagesNow(engine)
    }

    @Test(
        .enabled("needs the test registry (scripts/test-env)", { EngineFixture.registry != nil || EngineFixture.isCI }))
    func pushesToAndPullsFromTheTestRegistry() async throws {
        guard let registry = EngineFixture.registry else {
            Issue.record("no test registry: run scripts/test-env and source its env.sh")
            return
        }
        let repository = "\(registry.address)/berth-test/engine-e2e"
        let tag = EngineFixture.uniqueSuffix()
        let context = try EngineFixture.tarContext(files: [
            "Dockerfile": "FROM scratch\nCOPY hello.txt /hello.txt\n",
            "hello.txt": "pushed \(tag)\n",
        ])
        var imageID: String?
        for try await event in engine.build(
            context: context, options: BuildOptions(tags: ["\(repository):\(tag)"], labels: EngineFixture.labels()))
        {
            if case .built(let id) = event { imageID = id }
        }
        #expect(imageID != nil)

        let refused = await #expect(throws: EngineError.self) {
            for try await _ in engine.push(
                repository: repository, tag: tag, registryAuth: registry.authHeader(password: "wrong"))
            {}
        }
        if case .inBand(_, let message)? = refused {
            #expect(message.lowercased().contains("auth") || message.lowercased().contains("denied"), "\(message)")
        } else {
            Issue.record("expected an in-band refusal, got \(String(describing: refused))")
        }

        var pushed: (tag: String, digest: String)?
        var progress: [EngineProgress] = []
        for try await event in engine.push(repository: repository, tag: tag, registryAuth: registry.authHeader()) {
            switch event {
            case .pushed(let pushedTag, let digest, _): pushed = (pushedTag, digest)
            case .progress(let line): progress.append(line)
            }
        }
        #expect(pushed?.tag == tag)
        #expect(pushed?.digest.hasPrefix("sha256:") == true)
        #expect(!progress.isEmpty)

        try await engine.removeImage("\(repository):\(tag)", force: true)
        #expect(try await engine.inspectImage("\(repository):\(tag)") == nil)
        var pulled: [EngineProgress] = []
        for try await event in engine.pull(image: repository, tag: tag, registryAuth: registry.authHeader()) {
            if case .progress(let line) = event { pulled.append(line) }
        }
        #expect(pulled.contains { $0.status.contains("Downloaded newer image") || $0.status.contains("Digest:") })
        #expect(try await engine.inspectImage("\(repository):\(tag)")?.labels["berth.test"] == "1")
        try await engine.removeImage("\(repository):\(tag)", force: true)
    }

    @Test func pullFromAnAbsentRegistryFails() async throws {
        let error = await #expect(throws: EngineError.self) {
            for try await _ in engine.pull(image: "127.0.0.1:1/berth-test/nothing", tag: "1") {}
        }
        #expect(error.map { "\($0)".contains("127.0.0.1:1") } == true, "\(String(describing: error))")
    }

    @Test(
        .enabled("needs \(EngineFixture.nginxImage)", { await EngineFixture.nginxImageAvailable || EngineFixture.isCI })
    )
    func containerLifecycle() async throws {
        let image = try await EngineFixture.requireNginxImage(engine)
        let name = "berth-test-engine-\(EngineFixture.uniqueSuffix())"
        let memory: Int64 = 64 * 1024 * 1024
        let config = ContainerCreate(
            image: image,
            labels: EngineFixture.labels(["berth.site": name]),
            environment: ["BERTH_TEST=1"],
            command: ["sh", "-c", "echo started; exec sleep 300"],
            exposedPorts: ["80/tcp"],
            hostConfig: HostConfig(
                portBindings: ["80/tcp": [PortBinding(hostIP: "127.0.0.1", hostPort: "")]],
                memory: memory,
                memorySwap: memory,
                restartPolicy: .no,
                tmpfs: ["/scratch": "rw,size=8m"],
                capDrop: ["NET_RAW"],
                capAdd: ["CHOWN"],
                securityOpt: ["no-new-privileges:true"],
                pidsLimit: 64
            )
        )
        let id = try await engine.createContainer(name: name, config: config)
        var removed = false
        defer { if !removed { EngineFixture.removeContainerLater(id) } }

        let created = try #require(try await engine.inspectContainer(name))
        #expect(created.id == id)
        #expect(created.state.status == "created")
        #expect(created.plainName == name)

        let clash = await #expect(throws: EngineError.self) {
            _ = try await engine.createContainer(name: name, config: config)
        }
        if case .conflict(let message)? = clash {
            #expect(message.contains(name))
        } else {
            Issue.record("expected .conflict, got \(String(describing: clash))")
        }

        try await engine.startContainer(id)
        try await engine.startContainer(id)  // already running: not an error
        let running = try #require(try await engine.inspectContainer(id))
        #expect(running.state.running)
        #expect(running.state.status == "running")
        #expect(running.hostConfig.memory == memory)
        #expect(running.hostConfig.memorySwap == memory)
        // What the engine kept of the request: a key it did not know would be missing here.
        #expect(running.hostConfig.tmpfs == ["/scratch": "rw,size=8m"])
        #expect(running.hostConfig.capDrop == ["NET_RAW"])
        #expect(running.hostConfig.capAdd == ["CHOWN"])
        #expect(running.hostConfig.securityOpt == ["no-new-privileges:true"])
        #expect(running.hostConfig.pidsLimit == 64)
        #expect(running.labels["berth.test"] == "1")
        #expect(running.config.image == image)
        #expect(running.image.hasPrefix("sha256:"))
        #expect(!running.created.isEmpty)
        let binding = try #require(running.publishedBindings(of: "80/tcp").first)
        #expect(binding.hostIP == "127.0.0.1")
        #expect(Int(binding.hostPort ?? "") ?? 0 > 0)

        let listed = try await engine.listContainers(labelFilters: ["berth.test=1", "berth.site=\(name)"])
        #expect(listed.map(\.id) == [id])
        #expect(listed.first?.name == name)
        #expect(listed.first?.state == "running")
        #expect(listed.first?.labels?["berth.site"] == name)

        var samples: [ContainerStats] = []
        for try await sample in engine.stats(id, stream: false) { samples.append(sample) }
        #expect(samples.count == 1)
        #expect(samples.first?.memoryLimitBytes == UInt64(memory))
        #expect((samples.first?.memoryUsageBytes ?? 0) > 0)

        // The container's shell echoes after the start returns, and Docker takes the line in after that: ask until
        // something is logged.
        var lines: [LogLine] = []
        let logged = ContinuousClock.now + .seconds(30)
        while true {
            lines = []
            for try await line in engine.containerLogs(id, tail: 10) { lines.append(line) }
            guard lines.isEmpty, ContinuousClock.now < logged else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(lines == [LogLine(stream: .stdout, text: "started")])

        let renamed = name + "-renamed"
        try await engine.renameContainer(id, to: renamed)
        #expect(try await engine.inspectContainer(renamed)?.id == id)

        try await engine.stopContainer(id, timeoutSeconds: 1)
        try await engine.stopContainer(id, timeoutSeconds: 1)  // already stopped: not an error
        let stopped = try #require(try await engine.inspectContainer(id))
        #expect(!stopped.state.running)
        #expect(stopped.state.status == "exited")
        #expect(try await engine.listContainers(labelFilters: ["berth.site=\(name)"]).isEmpty)
        #expect(try await engine.listContainers(all: true, labelFilters: ["berth.site=\(name)"]).count == 1)

        try await engine.removeContainer(id, force: true)
        removed = true
        #expect(try await engine.inspectContainer(id) == nil)
        let gone = await #expect(throws: EngineError.self) { try await engine.removeContainer(id) }
        if case .notFound? = gone {} else { Issue.record("expected .notFound, got \(String(describing: gone))") }
        await #expect(throws: EngineError.self) { try await engine.startContainer(id) }
    }

    @Test(
        .enabled("needs \(EngineFixture.nginxImage)", { await EngineFixture.nginxImageAvailable || EngineFixture.isCI })
    )
    func logsKeepStdoutAndStderrApartAndFollow() async throws {
        let image = try await EngineFixture.requireNginxImage(engine)
        // A long line crosses chunk boundaries (the daemon splits lines over 16 KiB, so stay below);
        // the sleeps make `follow` wait for output. The last line ends in a newline: with `follow`, Docker 20.10
        // often drops a final partial line written just before the container exits (a partial line at the
        // end of a finished stream is checked by the unit tests).
        let script = """
            echo out-1; echo err-1 >&2; sleep 0.3; \
            head -c 12000 /dev/zero | tr '\\0' 'x'; echo; \
            echo err-2 >&2; sleep 0.3; echo last
            """
        let id = try await engine.createContainer(
            name: nil,
            config: ContainerCreate(image: image, labels: EngineFixture.labels(), command: ["sh", "-c", script])
        )
        defer { EngineFixture.removeContainerLater(id) }
        try await engine.startContainer(id)

        var followed: [LogLine] = []
        for try await line in engine.containerLogs(id, follow: true, timestamps: true) { followed.append(line) }
        #expect(followed.allSatisfy { $0.timestamp?.hasSuffix("Z") == true })
        let stdout = followed.filter { $0.stream == .stdout }.map(\.text)
        let stderr = followed.filter { $0.stream == .stderr }.map(\.text)
        #expect(stdout.count == 3)
        #expect(stdout.first == "out-1")
        #expect(stdout.dropFirst().first == String(repeating: "x", count: 12000))
        #expect(stdout.last == "last")
        #expect(stderr == ["err-1", "err-2"])

        var tail: [LogLine] = []
        for try await line in engine.containerLogs(id, tail: 1) { tail.append(line) }
        #expect(tail.map(\.text) == ["last"])

        await #expect(throws: EngineError.self) {
            for try await _ in engine.containerLogs("berth-test-no-such-container-\(EngineFixture.uniqueSuffix())") {}
        }
        try await engine.removeContainer(id, force: true)
    }

    @Test func anAbsentSocketIsUnreachableAtOnce() async throws {
        let endpoint = try DockerEndpoint(parsing: "unix:///tmp/nope.sock")
        let started = ContinuousClock.now
        let error = await #expect(throws: EngineError.self) {
            try await DockerEngine(endpoint: endpoint).ping()
        }
        // Well under the 60 s request timeout a missing socket must not wait out; no tighter, since a loaded CI
        // machine can hold this task back for seconds.
        #expect(ContinuousClock.now - started < .seconds(30))
        guard case .unreachable(let reported, let reason)? = error else {
            Issue.record("expected .unreachable, got \(String(describing: error))")
            return
        }
        #expect(reported == endpoint)
        #expect(reason.contains("no socket"))
        #expect(error?.description.contains("unix:///tmp/nope.sock") == true)
    }

    @Test func aRefusedPortIsUnreachableAtOnce() async throws {
        let endpoint = try DockerEndpoint(parsing: "tcp://127.0.0.1:1")
        let started = ContinuousClock.now
        let error = await #expect(throws: EngineError.self) {
            _ = try await DockerEngine(endpoint: endpoint).info()
        }
        // Well under the 60 s request timeout a refused port must not wait out (see above).
        #expect(ContinuousClock.now - started < .seconds(30))
        guard case .unreachable(_, let reason)? = error else {
            Issue.record("expected .unreachable, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("refused"))
    }

    @Test func aSilentPeerTimesOut() async throws {
        // A listening socket nobody accepts from: the connection opens and no answer ever comes.
        let (descriptor, port) = try EngineFixture.silentListener()
        defer { close(descriptor) }
        let engine = DockerEngine(endpoint: .tcp(host: "127.0.0.1", port: port), requestTimeout: .seconds(1))
        let started = ContinuousClock.now
        let error = await #expect(throws: EngineError.self) { try await engine.ping() }
        #expect(ContinuousClock.now - started < .seconds(15))
        // A silent ping means no Docker engine answers there (a ping is never given longer than a request).
        guard case .notAnEngine? = error else {
            Issue.record("expected .notAnEngine, got \(String(describing: error))")
            return
        }
    }
}

enum EngineFixture {
    static let nginxImage = "berth-test/nginx:bookworm"
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    static var endpoint: DockerEndpoint {
        (try? DockerEndpoint.fromEnvironment(ProcessInfo.processInfo.environment)) ?? .defaultLocal
    }

    static var daemonAvailable: Bool {
        get async { (try? await DockerEngine(endpoint: endpoint).ping()) != nil }
    }

    static var nginxImageAvailable: Bool {
        get async { ((try? await DockerEngine(endpoint: endpoint).inspectImage(nginxImage)) ?? nil) != nil }
    }

    /// The test image's name; fails the test when it is absent (the trait skips such tests outside CI).
    static func requireNginxImage(_ engine: DockerEngine) async throws -> String {
        guard try await engine.inspectImage(nginxImage) != nil else {
            throw FixtureError("\(nginxImage) is missing: build it with scripts/test-env")
        }
        return nginxImage
    }

    struct Registry {
        var address: String
        var user: String
        var password: String

        /// The `X-Registry-Auth` value: URL-safe base64 of the credentials as JSON.
        func authHeader(password override: String? = nil) -> String {
            let json = #"{"username":"\#(user)","password":"\#(override ?? password)","serveraddress":"\#(address)"}"#
            return Data(json.utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_")
        }
    }

    /// The registry scripts/test-env starts: from its env.sh variables, else from its state directory.
    static let registry: Registry? = {
        let environment = ProcessInfo.processInfo.environment
        if let address = environment["BERTH_TEST_REGISTRY"], let user = environment["BERTH_TEST_REGISTRY_USER"],
            let password = environment["BERTH_TEST_REGISTRY_PASSWORD"]
        {
            return Registry(address: address, user: user, password: password)
        }
        let state = environment["BERTH_TEST_STATE"] ?? "/var/lib/berth-test"
        guard let password = try? String(contentsOfFile: state + "/registry/password", encoding: .utf8) else {
            return nil
        }
        return Registry(
            address: "127.0.0.1:5000", user: "berth-test",
            password: password.trimmingCharacters(in: .whitespacesAndNewlines))
    }()

    static func labels(_ extra: [String: String] = [:]) -> [String: String] {
        extra.merging(["berth.test": "1", "berth.test.suite": "engine"]) { first, _ in first }
    }

    static func uniqueSuffix() -> String {
        UUID().uuidString.prefix(8).lowercased()
    }

    /// A tar of `files` made by /usr/bin/tar, streamed from disk in 4 KiB chunks as the request asks for them.
    static func tarContext(files: [String: String]) throws -> AsyncStream<ByteBuffer> {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("berth-engine-\(uniqueSuffix())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let contextDirectory = directory.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: contextDirectory, withIntermediateDirectories: true)
        for (name, content) in files {
            try Data(content.utf8).write(to: contextDirectory.appendingPathComponent(name))
        }
        let tarPath = directory.appendingPathComponent("context.tar").path
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        tar.arguments = ["--owner=0", "--group=0", "-C", contextDirectory.path, "-cf", tarPath, "."]
        try tar.run()
        tar.waitUntilExit()
        guard tar.terminationStatus == 0 else { throw FixtureError("tar exited with \(tar.terminationStatus)") }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: tarPath))
        let chunks = stride(from: 0, to: bytes.count, by: 4096).map {
            ByteBuffer(bytes: bytes[$0..<min($0 + 4096, bytes.count)])
        }
        return AsyncStream { continuation in
            for chunk in chunks { continuation.yield(chunk) }
            continuation.finish()
        }
    }

    /// A TCP socket on 127.0.0.1 that listens but never accepts; returns its descriptor and port.
    static func silentListener() throws -> (Int32, Int) {
        try LoopbackSocket.listen()
    }

    /// Removal for paths that end early (a failed expectation); runs in the background.
    static func removeContainerLater(_ id: String) {
        Task { try? await DockerEngine(endpoint: endpoint).removeContainer(id, force: true) }
    }

    static func removeNetworkLater(_ id: String) {
        Task { try? await DockerEngine(endpoint: endpoint).removeNetwork(id) }
    }

    static func removeImageLater(_ reference: String) {
        Task { _ = try? await DockerEngine(endpoint: endpoint).removeImage(reference, force: true) }
    }

    /// Removes every image this suite labelled.
    static func removeImagesNow(_ engine: DockerEngine) async {
        for image in (try? await engine.listImages(labelFilters: ["berth.test.suite=engine"])) ?? [] {
            _ = try? await engine.removeImage(image.id, force: true)
        }
    }
}

/// A tar stream of one file of 64 GiB, produced on demand in 64 KiB chunks.
struct EndlessContext: AsyncSequence, Sendable {
    actor Counter {
        private(set) var value = 0
        func increment() { value += 1 }
    }

    let counter = Counter()

    struct AsyncIterator: AsyncIteratorProtocol {
        let counter: Counter
        var sentHeader = false

        mutating func next() async -> ByteBuffer? {
            await counter.increment()
            guard sentHeader else {
                sentHeader = true
                return ByteBuffer(bytes: EndlessContext.tarHeader(name: "huge.bin", size: 1 << 36))
            }
            return ByteBuffer(repeating: 0, count: 64 * 1024)
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(counter: counter)
    }

    static func tarHeader(name: String, size: Int) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) {
            for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte }
        }
        func octal(_ value: Int, width: Int) -> String {
            let digits = String(value, radix: 8)
            return String(repeating: "0", count: Swift.max(0, width - 1 - digits.count)) + digits
        }
        put(name, at: 0)
        put(octal(0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)
        put("0", at: 156)
        put("ustar", at: 257)
        put("00", at: 263)
        put("        ", at: 148)
        let checksum = header.reduce(0) { $0 + Int($1) }
        put(octal(checksum, width: 7), at: 148)
        return header
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
