import BerthCore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// TLS with client certificates against a real TLS peer: `openssl s_server` in HTTP mode, answering `/_ping`
/// as a daemon would, with certificates made by openssl for the test. (A TLS dockerd needs its own network
/// namespace and data root; the handshake is what these tests are about.)
@Suite(
    "Docker Engine over TLS", .serialized,
    .enabled("needs openssl", { EngineTLSPeer.opensslAvailable || EngineFixture.isCI }))
final class EngineTLSTests {
    let peer: EngineTLSPeer

    init() throws {
        peer = try EngineTLSPeer()
    }

    deinit {
        peer.stop()
    }

    @Test func pingsWithClientCertificates() async throws {
        let engine = DockerEngine(endpoint: .tls(host: "localhost", port: peer.port, certificates: peer.goodFiles))
        let ping = try await engine.ping()
        #expect(ping.daemonAPIVersion == EngineAPIVersion(major: 1, minor: 41))
        #expect(ping.osType == "linux")
    }

    @Test func anUnknownServerCAIsATLSError() async throws {
        let engine = DockerEngine(endpoint: .tls(host: "localhost", port: peer.port, certificates: peer.wrongCAFiles))
        let error = await #expect(throws: EngineError.self) { try await engine.ping() }
        guard case .tls(_, let reason)? = error else {
            Issue.record("expected .tls, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("not signed by the CA"), "\(reason)")
    }

    @Test func aClientCertificateTheServerDoesNotTrustIsATLSError() async throws {
        let engine = DockerEngine(
            endpoint: .tls(host: "localhost", port: peer.port, certificates: peer.rogueClientFiles))
        let error = await #expect(throws: EngineError.self) { try await engine.ping() }
        guard case .tls(_, let reason)? = error else {
            Issue.record("expected .tls, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("client certificate"), "\(reason)")
    }

    /// The certificate names only `localhost`; NIOSSL also accepts an IP address listed in the certificate,
    /// so the mismatch is made with an address the certificate does not list.
    @Test func aHostNameTheCertificateDoesNotNameIsATLSError() async throws {
        let engine = DockerEngine(endpoint: .tls(host: "127.0.0.1", port: peer.port, certificates: peer.goodFiles))
        let error = await #expect(throws: EngineError.self) { try await engine.ping() }
        guard case .tls(_, let reason)? = error else {
            Issue.record("expected .tls, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("127.0.0.1"), "\(reason)")
    }

    @Test func missingCertificateFilesAreNamed() async throws {
        let files = DockerEndpoint.TLSFiles(directory: peer.directory + "/absent")
        let error = await #expect(throws: EngineError.self) {
            try await DockerEngine(endpoint: .tls(host: "127.0.0.1", port: peer.port, certificates: files)).ping()
        }
        #expect(error?.description.contains(files.caPath) == true)
    }
}

/// Certificates for a CA, the peer and a client, a second CA with its own client, and the peer itself.
final class EngineTLSPeer {
    static var opensslAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") }

    let directory: String
    let port: Int
    private let server: Process
    private let serverOutput: TemporaryFile

    var goodFiles: DockerEndpoint.TLSFiles { .init(directory: directory + "/good") }
    var wrongCAFiles: DockerEndpoint.TLSFiles { .init(directory: directory + "/wrong-ca") }
    var rogueClientFiles: DockerEndpoint.TLSFiles { .init(directory: directory + "/rogue-client") }

    init() throws {
        directory = "/tmp/berth-tls-\(EngineFixture.uniqueSuffix())"
        let fileManager = FileManager.default
        for sub in ["", "/good", "/wrong-ca", "/rogue-client", "/www"] {
            try fileManager.createDirectory(atPath: directory + sub, withIntermediateDirectories: true)
        }
        let d = directory
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try Self.openssl(
            ["req", "-x509"] + key + [
                "-keyout", "\(d)/ca-key.pem", "-out", "\(d)/ca.pem", "-days", "2", "-subj", "/CN=berth test CA",
            ])
        try Self.openssl(
            ["req", "-x509"] + key + [
                "-keyout", "\(d)/rogue-ca-key.pem", "-out", "\(d)/rogue-ca.pem", "-days", "2", "-subj", "/CN=rogue CA",
            ])
        try "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n".write(
            toFile: "\(d)/server.ext", atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: "\(d)/client.ext", atomically: true, encoding: .utf8)
        func issue(_ name: String, by ca: String, extensions: String) throws {
            try Self.openssl(
                ["req"] + key + ["-keyout", "\(d)/\(name)-key.pem", "-out", "\(d)/\(name).csr", "-subj", "/CN=\(name)"])
            try Self.openssl([
                "x509", "-req", "-in", "\(d)/\(name).csr", "-CA", "\(d)/\(ca).pem", "-CAkey", "\(d)/\(ca)-key.pem",
                "-CAcreateserial", "-out", "\(d)/\(name)-cert.pem", "-days", "2", "-extfile", "\(d)/\(extensions)",
            ])
        }
        try issue("server", by: "ca", extensions: "server.ext")
        try issue("client", by: "ca", extensions: "client.ext")
        try issue("rogue-client", by: "rogue-ca", extensions: "client.ext")
        func place(_ sub: String, ca: String, client: String) throws {
            try fileManager.copyItem(atPath: "\(d)/\(ca).pem", toPath: "\(d)/\(sub)/ca.pem")
            try fileManager.copyItem(atPath: "\(d)/\(client)-cert.pem", toPath: "\(d)/\(sub)/cert.pem")
            try fileManager.copyItem(atPath: "\(d)/\(client)-key.pem", toPath: "\(d)/\(sub)/key.pem")
        }
        try place("good", ca: "ca", client: "client")
        try place("wrong-ca", ca: "rogue-ca", client: "client")
        try place("rogue-client", ca: "ca", client: "rogue-client")
        // s_server -HTTP sends a file named by the request path as the whole response, headers included.
        try "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nOSType: linux\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK"
            .write(toFile: "\(d)/www/_ping", atomically: true, encoding: .utf8)

        // Port 0: the kernel picks a free port as openssl binds it, and openssl names it on its ACCEPT line. (A
        // port found free beforehand could be taken by a parallel test before openssl binds it.)
        serverOutput = try TemporaryFile()
        server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.currentDirectoryURL = URL(fileURLWithPath: "\(d)/www")
        server.arguments = [
            "s_server", "-HTTP", "-accept", "127.0.0.1:0", "-cert", "\(d)/server-cert.pem",
            "-key", "\(d)/server-key.pem", "-CAfile", "\(d)/ca.pem", "-Verify", "1", "-verify_return_error",
        ]
        server.standardOutput = serverOutput.handle
        server.standardError = FileHandle.nullDevice
        try server.run()
        do {
            port = try Self.acceptedPort(server, output: serverOutput)
        } catch {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    func stop() {
        if server.isRunning {
            // SIGKILL: a child of the test runner may inherit an ignored SIGTERM.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError(
                "openssl \(arguments.prefix(2).joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }

    /// The port on s_server's `ACCEPT 127.0.0.1:PORT` line, printed once it listens.
    private static func acceptedPort(_ server: Process, output: TemporaryFile) throws -> Int {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = try output.contents()
            // Whole lines only: the last piece may still be being written.
            if let line = text.components(separatedBy: "\n").dropLast().first(where: { $0.hasPrefix("ACCEPT ") }),
               let port = line.split(separator: ":").last.flatMap({ Int($0) }) {
                return port
            }
            guard server.isRunning else { throw FixtureError("openssl s_server ended before it listened: \(text)") }
            usleep(50_000)
        }
        throw FixtureError("openssl s_server did not start listening within 60 s")
    }
}
