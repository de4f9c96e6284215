import AsyncHTTPClient
import BerthCore
import Foundation
import NIOCore
import Testing

/// What the end-to-end tests need from the machine, set up by scripts/test-env: a Docker daemon on the default
/// socket, local base images, and the test registry with its credentials. Missing pieces fail the test with
/// what to run; they never make it pass or skip.
struct PublishFixture {
    let nginxImage: String
    let pythonImage: String
    let registry: String
    let registryUser: String
    let registryPassword: String
    /// A user name unique to this test, so tests never touch each other's sites.
    let user: String
    let engine = DockerEngine(endpoint: .defaultLocal)

    struct MissingEnvironment: Error, CustomStringConvertible {
        var description: String
    }

    /// A variable scripts/test-env or scripts/test-hosts sets; its absence fails the test with what to run.
    static func required(_ name: String, setBy script: String = "scripts/test-env",
                         file: String = "/var/lib/berth-test/env.sh") throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw MissingEnvironment(description: "\(name) is not set: run the tests with scripts/test "
                + "(or run \(script) and source \(file))")
        }
        return value
    }

    init() async throws {
        let required = { (name: String) throws -> String in try Self.required(name) }
        nginxImage = try required("BERTH_NGINX_IMAGE")
        pythonImage = try required("BERTH_PYTHON_IMAGE")
        registry = try required("BERTH_TEST_REGISTRY")
        registryUser = try required("BERTH_TEST_REGISTRY_USER")
        registryPassword = try required("BERTH_TEST_REGISTRY_PASSWORD")
        user = "e2e-" + String(UUID().uuidString.lowercased().prefix(8))
        do {
            try await engine.ping()
        } catch {
            throw MissingEnvironment(description: "no Docker daemon answers on /var/run/docker.sock (\(error)); "
                + "run scripts/test-env")
        }
        guard try await engine.inspectImage(nginxImage) != nil, try await engine.inspectImage(pythonImage) != nil else {
            throw MissingEnvironment(description: "the base images \(nginxImage) / \(pythonImage) are missing; run scripts/test-env")
        }
    }

    /// Runs a test body with a fresh fixture and removes what it created, whether the body passed or not.
    static func run(_ body: (PublishFixture) async throws -> Void) async throws {
        let fixture = try await PublishFixture()
        do {
            try await body(fixture)
        } catch {
            await fixture.cleanUp()
            throw error
        }
        await fixture.cleanUp()
    }

    /// A CLI whose environment points at the test images and registry credentials.
    func cli(_ extra: [String: String] = [:]) -> BerthCLI {
        BerthCLI(extraEnvironment: [
            "BERTH_NGINX_IMAGE": nginxImage, "BERTH_PYTHON_IMAGE": pythonImage,
            "BERTH_REGISTRY_USER": registryUser, "BERTH_REGISTRY_PASSWORD": registryPassword,
        ].merging(extra) { _, new in new }, removing: ["BERTH_HOSTS", "BERTH_REGISTRY", "DOCKER_HOST", "BERTH_USER"])
    }

    /// Removes every container and image this test's user has on the daemon, and the containers without berth's
    /// labels that a test made under a name holding that user.
    func cleanUp() async {
        let filter = ["\(BerthLabel.user)=\(user)"]
        for container in (try? await engine.listContainers(all: true, labelFilters: filter)) ?? [] {
            try? await engine.removeContainer(container.id, force: true)
        }
        // Every container named after this test's user: its sites, staging containers and deploy locks.
        let all = (try? await engine.listContainers(all: true)) ?? []
        for container in all where container.name?.contains(user) == true {
            try? await engine.removeContainer(container.id, force: true)
        }
        for image in (try? await engine.listImages(labelFilters: filter)) ?? [] {
            try? await engine.removeImage(image.id, force: true)
        }
    }

    /// Starts a container that only sleeps, named and labelled as a test wants (the name should hold `user`, so
    /// that `cleanUp` removes it).
    func startPlainContainer(name: String, labels: [String: String] = [:]) async throws -> String {
        let id = try await engine.createContainer(
            name: name, config: ContainerCreate(image: nginxImage, labels: labels, command: ["sleep", "600"]))
        try await engine.startContainer(id)
        return id
    }

    /// Runs a container of this test's user on `network` that tries a TCP connection to `address:port` and
    /// returns what happened: `connected`, `timeout`, `refused` or `error …`.
    func probeConnection(to address: String, port: Int, network: String) async throws -> String {
        let script = """
            import socket
            try:
                socket.create_connection(("\(address)", \(port)), timeout=5).close()
                print("connected")
            except socket.timeout:
                print("timeout")
            except ConnectionRefusedError:
                print("refused")
            except Exception as error:
                print("error", error)
            """
        let id = try await engine.createContainer(
            name: "probe-\(user)-\(UUID().uuidString.prefix(8).lowercased())",
            config: ContainerCreate(image: nginxImage, labels: [BerthLabel.user: user],
                                    command: ["python3", "-c", script],
                                    hostConfig: HostConfig(networkMode: network)))
        try await engine.startContainer(id)
        let deadline = ContinuousClock.now + .seconds(60)
        while try await engine.inspectContainer(id)?.state.running == true, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        var output: [String] = []
        for try await line in engine.containerLogs(id, tail: nil, follow: false, since: nil, timestamps: false) {
            output.append(line.text)
        }
        return output.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func containers(site: String? = nil) async throws -> [ContainerSummary] {
        var filter = ["\(BerthLabel.user)=\(user)"]
        if let site { filter.append("\(BerthLabel.site)=\(site)") }
        return try await engine.listContainers(all: true, labelFilters: filter)
    }

    /// A copy of an example site in a scratch directory the test may change.
    func copyOfSite(_ name: String = "hello") throws -> String {
        let directory = NSTemporaryDirectory() + "/berth-e2e-site-\(UUID().uuidString)/\(name)"
        try FileManager.default.createDirectory(atPath: (directory as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: BerthCLI.repositoryRoot.appendingPathComponent("sites/hello").path,
                                         toPath: directory)
        return directory
    }

    /// A copy of berth's templates whose nginx configuration has a line nginx refuses (`this_is_not_a_directive`),
    /// for the `BERTH_TEMPLATES` of a publish whose new version must not start.
    func brokenTemplates() throws -> String {
        try templates(changingNginxConfig: { $0 + "\nthis_is_not_a_directive on;\n" })
    }

    /// A copy of berth's templates whose nginx starts and runs but answers every request 503, for the
    /// `BERTH_TEMPLATES` of a publish that must stay in its check until the check times out (or is interrupted).
    func unansweringTemplates() throws -> String {
        try templates(changingNginxConfig: {
            $0.replacingOccurrences(of: "location / {\n", with: "location / {\n            return 503;\n")
        })
    }

    /// A copy of berth's templates whose Dockerfile ends in a step that fails, for a publish whose build must fail
    /// (a missing base image no longer gets that far: it is pulled, and refused, before the build).
    func failingBuildTemplates() throws -> String {
        try templates(changing: "nginx/Dockerfile.mustache", { $0 + "RUN false\n" })
    }

    /// A copy of berth's templates whose nginx configuration has one more comment: it renders differently and
    /// serves the same.
    func templatesWithComment() throws -> String {
        try templates(changingNginxConfig: { $0 + "\n# changed by a test\n" })
    }

    private func templates(changingNginxConfig change: (String) -> String) throws -> String {
        try templates(changing: "nginx/nginx.conf.mustache", change)
    }

    /// A copy of berth's templates in a scratch directory, one of its files (`file`) changed by `change`.
    private func templates(changing file: String, _ change: (String) -> String) throws -> String {
        let templates = NSTemporaryDirectory() + "/berth-e2e-templates-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: BerthCLI.repositoryRoot.appendingPathComponent("templates").path,
                                         toPath: templates)
        let path = templates + "/" + file
        let original = try String(contentsOfFile: path, encoding: .utf8)
        let changed = change(original)
        guard changed != original else { throw FixtureError("the change left \(path) as it was") }
        try changed.write(toFile: path, atomically: true, encoding: .utf8)
        return templates
    }

    /// GET as a browser would: a connection the pool kept to a server that has since restarted is retried.
    static func get(_ url: String, headers: [(String, String)] = []) async throws -> (status: Int, body: String) {
        var attempt = 0
        while true {
            attempt += 1
            do {
                var request = HTTPClientRequest(url: url)
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                let body = try await response.body.collect(upTo: 10 * 1024 * 1024)
                return (Int(response.status.code), String(buffer: body))
            } catch where attempt < 3 {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// The tags the test registry holds for a repository.
    func registryTags(_ repository: String) async throws -> [String] {
        let token = Data("\(registryUser):\(registryPassword)".utf8).base64EncodedString()
        let (status, body) = try await Self.get("http://\(registry)/v2/\(repository)/tags/list",
                                                headers: [("Authorization", "Basic \(token)")])
        guard status == 200 else { return [] }
        struct TagList: Decodable { var tags: [String]? }
        return try JSONDecoder().decode(TagList.self, from: Data(body.utf8)).tags ?? []
    }
}
