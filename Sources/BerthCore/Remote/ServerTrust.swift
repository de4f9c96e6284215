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

    /// The HTTP client for a server trusted through `caFile` (the shared client when nil). One per file, kept for
    /// the process's life like the shared one.
    public static func client(caFile: String?) -> HTTPClient {
        guard let caFile else { return .shared }
        return clients.withLock { clients in
            if let client = clients[caFile] { return client }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.file(caFile)]
            var configuration = HTTPClient.Configuration()
            configuration.tlsConfiguration = tls
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[caFile] = client
            return client
        }
    }
}
