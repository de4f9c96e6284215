import AsyncHTTPClient
import Foundation
import NIOSSL
import Synchronization

/// Which certificates the client trusts for a `berth serve` over HTTPS: the system's store always (a server with a
/// public certificate needs nothing more), plus the CA in `BERTH_CA` (a PEM file) for a server whose certificate an
/// operator's own CA signed. The variable, like `BERTH_REMOTE` and `BERTH_TOKEN`, works the same for every command
/// and in CI; `berth login` stores the file's path with the login, so later commands trust it without the variable.
/// Verification is never turned off: a certificate neither trusts is refused.
public enum ServerTrust {
    public static let variable = "BERTH_CA"

    /// `BERTH_CA`, checked: a readable PEM file with at least one certificate. Nil when it is unset or empty.
    public static func caFile(environment: [String: String]) throws(BerthProblem) -> String? {
        guard let path = environment[variable], !path.isEmpty else { return nil }
        try check(caFile: path)
        return path
    }

    public static func check(caFile path: String) throws(BerthProblem) {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw BerthProblem(.usage, "\(variable) '\(path)' is not a readable PEM certificate file (\(error)); "
                + "give the CA certificate that signed the server's certificate")
        }
        guard !certificates.isEmpty else {
            throw BerthProblem(.usage, "\(variable) '\(path)' holds no certificate; give the CA certificate (PEM) that "
                + "signed the server's certificate")
        }
    }

    private static let clients = Mutex<[String: HTTPClient]>([:])

    /// The HTTP client for a server, trusting `caFile` too when given. One per file, kept for the process's life.
    /// A connection that cannot be made fails the request at once: a certificate that does not verify, or a server
    /// that is not running, is not going to change in the next seconds, and a person waits for the answer (a
    /// client that retries, as the shared one does, took 90 s to say so).
    public static func client(caFile: String?) -> HTTPClient {
        clients.withLock { clients in
            if let client = clients[caFile ?? ""] { return client }
            var configuration = HTTPClient.Configuration()
            if let caFile {
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.additionalTrustRoots = [.file(caFile)]
                configuration.tlsConfiguration = tls
            }
            configuration.timeout.connect = .seconds(10)
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[caFile ?? ""] = client
            return client
        }
    }
}
