import AsyncHTTPClient
@testable import BerthCore
import Foundation
import NIOSSL
import Testing

/// TLS with client certificates against a real TLS engine, web1 (scripts/test-hosts: dockerd --tlsverify in its own
/// network namespace), with the fault fixtures made for it: each fault happens for real, and each test asserts the
/// one cause berth names for it, so one fault can never pass for another.
@Suite("Docker Engine over TLS", .serialized, .timeLimit(.minutes(5)), .blockingCalls)
struct EngineTLSTests {
    let topology: MultiHostTests.Topology

    init() throws {
        topology = try MultiHostTests.Topology()
    }

    /// web1 at `address` (its own by default) with the certificates of one fixture directory.
    func endpoint(_ fixture: String, address: String? = nil) -> DockerEndpoint {
        .tls(host: address ?? topology.web1, port: 2376,
             certificates: .init(directory: topology.certificates + "/" + fixture))
    }

    /// Pings web1 as `endpoint` and returns the TLS failure's reason, recording an issue for anything else.
    func tlsFailure(_ endpoint: DockerEndpoint, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> String
    {
        let error = try await #require(throws: EngineError.self, sourceLocation: sourceLocation) {
            try await DockerEngine(endpoint: endpoint).ping()
        }
        guard case .tls(let failed, let reason) = error else {
            Issue.record("expected a TLS error, got \(error)", sourceLocation: sourceLocation)
            return ""
        }
        #expect(failed == endpoint, sourceLocation: sourceLocation)
        #expect(error.description.contains("tcp://\(topology.web1):2376")
                    || error.description.contains("tcp://\(topology.mismatchAddress):2376"),
                "the message names the engine: \(error)", sourceLocation: sourceLocation)
        return reason
    }

    @Test("with the client certificate web1 answers, and it is web1 that answers")
    func pingsWithClientCertificates() async throws {
        let engine = DockerEngine(endpoint: endpoint("client"))
        let ping = try await engine.ping()
        #expect(ping.osType == "linux")
        #expect(try await engine.info().name == "web1")
    }

    @Test("an engine whose certificate the CA in ca.pem did not sign is refused by berth")
    func unknownServerCA() async throws {
        #expect(try await tlsFailure(endpoint("wrong-ca"))
                == "the daemon's certificate is not signed by the CA in ca.pem, or has expired")
    }

    @Test("a client certificate from a CA the engine does not trust is refused by the engine")
    func untrustedClientCertificate() async throws {
        #expect(try await tlsFailure(endpoint("wrong-client"))
                == "the daemon rejected berth's client certificate (not signed by the CA the daemon trusts, or expired)")
    }

    /// berth refuses to connect without a client certificate (it needs cert.pem: see `missingCertificateFiles`), so
    /// the engine's own refusal is made with the same HTTP client and a TLS configuration without one, and the error
    /// it gives is mapped as berth maps every transport error. dockerd answers a handshake without a certificate
    /// with the alert it sends for an untrusted one (bad_certificate), so the cause berth can name is the engine's
    /// refusal of the client certificate.
    @Test("the engine refuses a handshake without a client certificate, and berth says the engine refused it")
    func engineRefusesMissingClientCertificate() async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(topology.certificates + "/no-client/ca.pem"))
        var request = HTTPClientRequest(url: "https://\(topology.web1):2376/_ping")
        request.tlsConfiguration = tls
        let error = try await #require(throws: (any Error).self) {
            _ = try await DockerEngine.sharedHTTPClient.execute(request, timeout: .seconds(30))
        }
        let endpoint = endpoint("no-client")
        let mapped = DockerEngine(endpoint: endpoint).engineError(for: error, operation: "answer a ping", timeout: nil)
        #expect(mapped as? EngineError == .tls(endpoint, reason:
            "the daemon rejected berth's client certificate (not signed by the CA the daemon trusts, or expired)"),
                "\(error)")
    }

    /// web1 also listens on an address its certificate does not name (NIOSSL accepts a certificate whose IP SAN is
    /// the address connected to, so the address itself must be missing from it).
    @Test("an engine whose certificate does not name the address berth connects to is refused by berth")
    func hostNameMismatch() async throws {
        #expect(try await tlsFailure(endpoint("client", address: topology.mismatchAddress))
                == "the daemon's certificate is not issued for the host name '\(topology.mismatchAddress)'")
    }

    @Test("missing certificate files are named before anything is sent", arguments: [
        ("no-client", "client certificate", "cert.pem"), ("absent", "CA certificate", "ca.pem"),
    ])
    func missingCertificateFiles(_ fixture: String, _ what: String, _ file: String) async throws {
        let endpoint = endpoint(fixture)
        let path = topology.certificates + "/" + fixture + "/" + file
        #expect(try await tlsFailure(endpoint) == "the \(what) \(path) does not exist or cannot be read")
    }
}
