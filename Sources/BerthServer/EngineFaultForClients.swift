import BerthCore
import Logging

/// What a user of `berth serve` is told when one of the server's engines fails them. The engine's own message
/// names its address, its certificate files or the variables to check: the operator's inventory, which never
/// reaches a client. So the user hears which kind of fault it was and that the operator has the details (the
/// server logs the whole error).
enum EngineFaultForClients {
    static func message(for error: EngineError) -> String {
        let kind = switch error {
        case .unreachable: "it refused or did not take the connection"
        case .tls: "the TLS handshake with it failed"
        case .timeout: "it did not answer in time"
        case .connectionLost: "the connection to it broke"
        case .notAnEngine: "what answers there is not a Docker engine"
        default: "it failed"
        }
        return "this server cannot reach one of its Docker hosts just now (\(kind)); try again later, or tell the "
            + "server's operator, whose log has the details"
    }

    /// Hosts that did not answer a listing or a watch, as a client may see them: their names, not their engines'
    /// errors, which go to the server's log (`doing` says what was asked of them).
    static func forClients(_ problems: [HostProblemRecord], doing: String, logger: Logger) -> [HostProblemRecord] {
        problems.map { problem in
            logger.warning("\(doing): \(problem.host): \(problem.error)")
            return HostProblemRecord(host: problem.host, error: "the host did not answer this server; try again "
                + "later, or tell the server's operator, whose log has the details")
        }
    }
}
