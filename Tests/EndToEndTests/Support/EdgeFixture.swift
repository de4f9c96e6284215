import BerthCore
import Foundation
import Testing

/// The local engine's edge for the edge tests: an inventory of the local engine with an `edge:` block (`tls:
/// internal`, HTTP 18080 / HTTPS 18443, upstream ports 21100-21199, which no other suite uses), the CLI pointed
/// at it and at the test edge image, and `curl` through the edge with the name resolved to the host's address
/// and the edge's CA trusted (no `-k`).
///
/// One edge per engine (`berth-edge`): the edge tests are one serialized suite. The edge is left running after
/// the suite on purpose (its routes go with the sites the tests remove); the next run reuses it.
struct EdgeFixture {
    static let httpPort = 18080
    static let httpsPort = 18443
    static let domain = "edge.berth.test"

    let fixture: PublishFixture
    let inventory: String
    let edgeImage: String
    let address: String
    let directory: String

    init(_ fixture: PublishFixture, host: String = "local", hostEntry: String? = nil, address: String = "127.0.0.1")
        throws
    {
        self.fixture = fixture
        edgeImage = try PublishFixture.required("BERTH_EDGE_IMAGE")
        self.address = address
        directory = NSTemporaryDirectory() + "/berth-e2e-edge-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        inventory = directory + "/hosts.yml"
        let entry = hostEntry ?? Self.localEntry(ports: "21100-21199")
        try "hosts:\n\(entry)".write(toFile: inventory, atomically: true, encoding: .utf8)
    }

    /// The local engine's inventory entry, with the edge every edge test shares and upstream ports from `ports`.
    static func localEntry(ports: String) -> String {
        """
              local:
                docker: unix:///var/run/docker.sock
                ports: \(ports)
                edge:
                  domain: \(domain)
                  tls: internal
                  http_port: \(httpPort)
                  https_port: \(httpsPort)

            """
    }

    func cli() -> BerthCLI {
        fixture.cli(["BERTH_HOSTS": inventory, "BERTH_EDGE_IMAGE": edgeImage])
    }

    func berth(_ arguments: [String], timeout: Double = 120) throws -> BerthCLI.Outcome {
        try cli().run(arguments, timeout: timeout)
    }

    /// `berth edge up`, which must succeed.
    func up() throws {
        let outcome = try berth(["edge", "up"])
        #expect(outcome.status == 0, "\(outcome)")
    }

    /// The edge's root certificate (`berth edge ca`), in a file for curl.
    func caFile() throws -> String {
        let outcome = try berth(["edge", "ca"])
        #expect(outcome.status == 0, "\(outcome)")
        let path = directory + "/root.crt"
        try outcome.stdout.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func defaultName(_ site: String) -> String { "\(site)--\(fixture.user).\(Self.domain)" }

    /// curl's answer: status code (0 when no HTTP answer came), body, redirect target and exit status.
    struct Answer {
        var code: Int
        var body: String
        var location: String
        var exitStatus: Int32
    }

    /// `curl --resolve NAME:PORT:ADDRESS --cacert CA` of `scheme://NAME:PORT/path`: SNI and Host are the name.
    func curl(_ name: String, path: String = "/", https: Bool = true, ca: String, port: Int? = nil,
              headers: [String] = []) throws -> Answer {
        let port = port ?? (https ? Self.httpsPort : Self.httpPort)
        let marker = "\n--berth-curl--"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sS", "--max-time", "10", "--resolve", "\(name):\(port):\(address)", "--cacert", ca,
                             "-w", "\(marker)%{http_code} %{redirect_url}"] + headers.flatMap { ["-H", $0] } + [
                             "\(https ? "https" : "http")://\(name):\(port)\(path)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let parts = text.components(separatedBy: marker)
        let tail = (parts.last ?? "").split(separator: " ", maxSplits: 1).map(String.init)
        return Answer(code: Int(tail.first ?? "") ?? 0, body: parts.dropLast().joined(separator: marker),
                      location: tail.count > 1 ? tail[1] : "", exitStatus: process.terminationStatus)
    }

    /// Requests through the edge in the background, a new connection each time (curl), until `stop`: every
    /// answer's status and body. On a thread of its own: the tests' cooperative pool has two threads here, which
    /// blocking test code (child processes) would otherwise keep from it.
    final class Load: @unchecked Sendable {
        private let lock = NSLock()
        private var answers: [(code: Int, body: String)] = []
        private var running = true
        private let finished = DispatchSemaphore(value: 0)

        init(_ edge: EdgeFixture, name: String, ca: String) {
            let thread = Thread { [self] in
                while self.isRunning {
                    let answer = (try? edge.curl(name, ca: ca)) ?? Answer(code: 0, body: "", location: "", exitStatus: -1)
                    self.lock.withLock { self.answers.append((answer.code, answer.body)) }
                    Thread.sleep(forTimeInterval: 0.02)
                }
                self.finished.signal()
            }
            thread.start()
        }

        private var isRunning: Bool { lock.withLock { running } }

        func stop() async -> [(code: Int, body: String)] {
            lock.withLock { running = false }
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    self.finished.wait()
                    continuation.resume()
                }
            }
            return lock.withLock { answers }
        }
    }
}
