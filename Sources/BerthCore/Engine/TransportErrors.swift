import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

extension DockerEngine {
    /// Turns what the HTTP stack throws into an `EngineError` a person can act on. Errors it does not know
    /// (such as one thrown by a build context while it is being sent) pass through unchanged.
    func engineError(for error: any Error, operation: String, timeout: Duration?) -> any Error {
        switch error {
        case is EngineError, is CancellationError:
            return error
        case let error as HTTPClientError:
            return engineError(for: error, operation: operation, timeout: timeout)
        case let error as HTTPParserError:
            // The connection closed in the middle of an answer: typically the daemon died.
            return EngineError.connectionLost(
                operation: operation, reason: "the answer from the daemon at \(endpoint) broke off (\(error))")
        case let error as NIOConnectionError:
            if let dnsError = error.dnsAError ?? error.dnsAAAAError {
                logger.debug("docker: name resolution failed", metadata: ["error": "\(dnsError)"])
                return EngineError.unreachable(endpoint, reason: "the host name \(error.host) does not resolve")
            }
            if let first = error.connectionErrors.first {
                return engineError(for: first.error, operation: operation, timeout: timeout)
            }
            return EngineError.unreachable(endpoint, reason: "\(error)")
        case let error as IOError:
            return EngineError.unreachable(
                endpoint, reason: Self.connectFailureReason(errno: error.errnoCode, endpoint: endpoint))
        case let error as ChannelError:
            if case .connectTimeout = error {
                return EngineError.unreachable(endpoint, reason: "nothing answered within 5 s")
            }
            return EngineError.connectionLost(operation: operation, reason: "\(error) (the daemon at \(endpoint))")
        case let error as SocketAddressError:
            return EngineError.unreachable(endpoint, reason: "the address cannot be used (\(error))")
        case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError:
            return EngineError.tls(endpoint, reason: Self.tlsFailureReason(error, endpoint: endpoint))
        default:
            return error
        }
    }

    private func engineError(for error: HTTPClientError, operation: String, timeout: Duration?) -> any Error {
        let seconds = Int(timeout?.components.seconds ?? 0)
        switch error {
        case .connectTimeout:
            return EngineError.unreachable(endpoint, reason: "nothing answered within 5 s")
        case .deadlineExceeded, .readTimeout:
            return EngineError.timeout(operation: "\(operation) at \(endpoint)", seconds: seconds)
        case .remoteConnectionClosed:
            return EngineError.connectionLost(operation: operation, reason: "the daemon at \(endpoint) closed the connection")
        case .cancelled, .requestStreamCancelled:
            return CancellationError()
        case .tlsHandshakeTimeout:
            return EngineError.tls(endpoint, reason: "the TLS handshake did not finish in time")
        case .alreadyShutdown:
            return EngineError.connectionLost(operation: operation, reason: "the HTTP client was already shut down")
        default:
            return EngineError.connectionLost(operation: operation, reason: "\(error) (the daemon at \(endpoint))")
        }
    }

    static func connectFailureReason(errno code: CInt, endpoint: DockerEndpoint) -> String {
        switch code {
        case ENOENT:
            return "there is no socket at that path"
        case ECONNREFUSED:
            if case .unix(let path) = endpoint.transport {
                let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
                if let type, type != .typeSocket {
                    return "that path is not a socket"
                }
                return "the socket exists but nothing accepts connections on it (a daemon that stopped?)"
            }
            return "the connection was refused (nothing listens on that port)"
        case EACCES, EPERM:
            return "permission denied; run berth as root or as a member of the docker group"
        case ENOTSOCK:
            return "that path is not a socket"
        case EHOSTUNREACH, ENETUNREACH:
            return "there is no route to that host"
        case ETIMEDOUT:
            return "nothing answered in time"
        case ECONNRESET:
            return "the connection was reset"
        default:
            return String(cString: strerror(code))
        }
    }

    static func tlsFailureReason(_ error: any Error, endpoint: DockerEndpoint) -> String {
        var host = ""
        if case .tls(let name, _, _) = endpoint.transport { host = name }
        if let extra = error as? NIOSSLExtraError,
            extra == .failedToValidateHostname || extra == .serverHostnameImpossibleToMatch
        {
            return "the daemon's certificate is not issued for the host name '\(host)'"
        }
        if let sslError = error as? NIOSSLError {
            switch sslError {
            case .uncleanShutdown:
                return "the daemon closed the connection during the handshake (does it want a client certificate?)"
            case .unableToValidateCertificate, .noCertificateToValidate:
                return "the daemon's certificate could not be checked"
            default:
                break
            }
        }
        let text = String(describing: error).uppercased()
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the daemon's certificate is not signed by the CA in ca.pem, or has expired"
        }
        if text.contains("CERTIFICATE_REQUIRED") {
            return "the daemon wants a client certificate and was sent none"
        }
        if text.contains("UNKNOWN_CA") || text.contains("BAD_CERTIFICATE") || text.contains("CERTIFICATE_UNKNOWN")
            || text.contains("HANDSHAKE_FAILURE")
        {
            return "the daemon rejected berth's client certificate (not signed by the CA the daemon trusts, or expired)"
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("PACKET_LENGTH_TOO_LONG") {
            return "the daemon does not speak TLS on that port (use tcp:// without certificates, or the TLS port 2376)"
        }
        if text.contains("EOF") {
            return "the daemon closed the connection during the handshake (does it want a client certificate?)"
        }
        return "\(error)"
    }
}
