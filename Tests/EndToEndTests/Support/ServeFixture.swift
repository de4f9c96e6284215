import AsyncHTTPClient
import BerthCore
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// A running `berth serve` on a free loopback port with its own database, an admin, and two users (alice and bob,
/// each the unique user of a `PublishFixture`, so their sites are cleaned up like any test's).
final class ServeFixture: @unchecked Sendable {
    let alice: PublishFixture
    let bob: PublishFixture
    let directory: String
    let config: String
    /// Changes when the server is restarted (it listens on a free port each time).
    private(set) var url: String
    let adminToken: String
    /// The CA the server's certificate is signed by, with `tls:` in the config; trusted by `call` and `remoteCLI`.
    let caFile: String?
    private var server: BackgroundBerth

    var uploads: String { directory + "/uploads" }

    /// `hosts`: the server's inventory file (default: the local engine only); `settings` are more lines of
    /// serve.yml (e.g. `tls:`), `caFile` the CA that signed its certificate.
    static func run(quotas: String = "", uploadTimeout: Int = 3, hosts: String? = nil, settings: String = "",
                    caFile: String? = nil, _ body: (ServeFixture) async throws -> Void) async throws {
        let fixture = try await ServeFixture(quotas: quotas, uploadTimeout: uploadTimeout, hosts: hosts,
                                             settings: settings, caFile: caFile)
        do {
            try await body(fixture)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    private init(quotas: String, uploadTimeout: Int, hosts: String?, settings: String, caFile: String?) async throws {
        self.caFile = caFile
        alice = try await PublishFixture()
        bob = try await PublishFixture()
        directory = NSTemporaryDirectory() + "berth-serve-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        config = directory + "/serve.yml"
        try """
            listen: 127.0.0.1:0
            database: \(directory)/serve.db
            upload_timeout: \(uploadTimeout)
            \(hosts.map { "hosts: \($0)" } ?? "")
            \(settings)
            \(quotas.isEmpty ? "" : "quotas:\n" + quotas)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let cli = alice.cli()
        let initialized = try cli.run(["admin", "init", "--config", config, "root-\(alice.user)", "--json"], timeout: 60)
        try #require(initialized.status == 0, "admin init: \(initialized)")
        adminToken = try #require(initialized.jsonLines.first?["token"] as? String)
        (server, url) = try await Self.start(cli, config: config, log: directory + "/serve.log")
        for user in [alice.user, bob.user] {
            let added = try await call(.POST, "/v1/users", token: adminToken, json: ["name": user, "admin": false] as [String: Any])
            try #require(added.status == 201, "adding \(user): \(added.body)")
        }
    }

    /// The server's own log (debug level).
    func serverLog() -> String {
        (try? String(contentsOfFile: directory + "/serve.log", encoding: .utf8)) ?? ""
    }

    /// Starts `berth serve` and waits until it says where it listens.
    private static func start(_ cli: BerthCLI, config: String, log: String) async throws -> (BackgroundBerth, String) {
        let server = try BackgroundBerth(cli, ["serve", "--config", config, "--log-file", log])
        var listening: String?
        _ = try await BackgroundBerth.eventually(within: .seconds(60)) {
            let text = try server.stderr()
            listening = text.split(separator: "\n").first { $0.contains("listening on ") }
                .map { String($0.split(separator: " ").last ?? "") }
            return listening != nil || !server.process.isRunning
        }
        return (server, try #require(listening, "berth serve did not start: \(server.description)"))
    }

    /// Kills the server with `signal` (SIGKILL: no chance to clean up) and waits until it has ended.
    func kill(with signal: Int32 = SIGKILL) async throws {
        _ = try await server.stop(with: signal, timeout: .seconds(30))
        #expect(!server.process.isRunning, "berth serve ended")
    }

    /// Starts the server again on the same config and database (`url` changes: a free port is taken again).
    func restart() async throws {
        (server, url) = try await Self.start(alice.cli(), config: config, log: directory + "/serve.log")
    }

    func stop() async {
        _ = try? await server.stop(with: SIGTERM, timeout: .seconds(10))
        await alice.cleanUp()
        await bob.cleanUp()
        try? FileManager.default.removeItem(atPath: directory)
    }

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: String

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:] }
        var problemCode: String? { json["code"] as? String }
        var detail: String { json["detail"] as? String ?? body }
    }

    func call(_ method: HTTPMethod, _ path: String, token: String?, json: Any? = nil, body: [UInt8]? = nil,
              timeout: TimeAmount = .seconds(120)) async throws -> Answer {
        var request = HTTPClientRequest(url: url + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/x-tar")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await ServerTrust.client(caFile: caFile).execute(request, timeout: timeout)
        let data = try await response.body.collect(upTo: 16 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: data))
    }

    /// Uploads `tar` as a publish of `site`, announcing its true digest.
    func upload(_ tar: [UInt8], site: String, token: String) async throws -> Answer {
        try await call(.POST, "/v1/sites/\(site)/publish?digest=\(Self.digest(tar))", token: token, body: tar)
    }

    static func digest(_ bytes: [UInt8]) -> String {
        "sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// A new token for `user`, made through the API.
    func token(for user: String, scope: String, site: String? = nil, expiresIn: Int? = nil) async throws -> (id: String, token: String) {
        var request: [String: Any] = ["user": user, "scope": scope]
        if let site { request["site"] = site }
        if let expiresIn { request["expiresInSeconds"] = expiresIn }
        let answer = try await call(.POST, "/v1/tokens", token: adminToken, json: request)
        try #require(answer.status == 201, "token for \(user): \(answer.body)")
        return (try #require(answer.json["id"] as? String), try #require(answer.json["token"] as? String))
    }

    /// The berth CLI acting through this server with `token`, with a config directory of its own (so no login of
    /// the machine's user is read or written).
    func remoteCLI(token: String) -> BerthCLI {
        alice.cli(["BERTH_REMOTE": url, "BERTH_TOKEN": token, "XDG_CONFIG_HOME": directory + "/config-\(UUID().uuidString)",
                   "BERTH_CA": caFile ?? ""])
    }

    /// What is left in the upload directory (each upload's private directory is removed when it ends).
    func leftoverUploads() throws -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: uploads)) ?? []
    }
}
