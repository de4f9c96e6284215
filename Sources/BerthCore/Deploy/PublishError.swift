public enum PublishError: Error, Sendable, CustomStringConvertible {
    case invalidOption(String)
    /// A container of that name exists but is not this site's (another user's site, or not berth's at all).
    case nameTaken(containerName: String, host: String, owner: String?)
    case siteChangedDuringPublish(site: String)
    case noFreePort(host: String, range: ClosedRange<Int>)
    /// `holder` names the container that publishes the port, when the engine lists one.
    case portInUse(port: Int, host: String, message: String, holder: String?)
    /// Ports the engine lists as free but could not bind: something outside the engine holds them.
    case portsHeldOutsideEngine(ports: [Int], host: String)
    /// The new version did not serve; `previous` says what became of the version that was serving.
    case checkFailed(url: String, reason: String, logs: [String], previous: PreviousVersion)
    case startFailed(reason: String, logs: [String], previous: PreviousVersion)

    public var description: String {
        switch self {
        case .invalidOption(let message):
            return message
        case .nameTaken(let name, let host, let owner):
            let whose = owner.map { "it belongs to \($0)" } ?? "berth did not create it"
            return "a container named \(name) already exists on \(host) and \(whose); berth leaves it alone. "
                + "Publish under another --name or --user"
        case .siteChangedDuringPublish(let site):
            return "the files of \(site) changed while it was being published; publish again once they are written"
        case .noFreePort(let host, let range):
            return "no free port on \(host) in \(range.lowerBound)-\(range.upperBound); widen 'ports' in the hosts "
                + "file or pass --port"
        case .portsHeldOutsideEngine(let ports, let host):
            let (which, are, them) = ports.count == 1 ? ("port", "is", "it") : ("ports", "are", "them")
            return "\(which) \(ports.map(String.init).joined(separator: ", ")) on \(host) \(are) held by something "
                + "other than a container (the engine could not bind \(them)); free \(them), or give \(host) a 'ports' "
                + "range in the hosts file outside the kernel's ephemeral ports (net.ipv4.ip_local_port_range, "
                + "32768-60999 by default), which outgoing connections take"
        case .portInUse(let port, let host, let message, let holder):
            return "port \(port) on \(host) is already in use"
                + (holder.map { " by the container \($0)" } ?? "") + " (\(message)); "
                + "pass another --port or --port auto"
                + (holder == nil ? "" : ", or stop that container")
        case .checkFailed(let url, let reason, let logs, let previous):
            return "the new version did not serve at \(url): \(reason). \(previous.sentence)" + Self.logText(logs)
        case .startFailed(let reason, let logs, let previous):
            return "the new container did not start: \(reason). \(previous.sentence)" + Self.logText(logs)
        }
    }

    private static func logText(_ logs: [String]) -> String {
        guard !logs.isEmpty else { return "The container wrote no log lines." }
        return "Its last log lines:\n" + logs.map { "  | \($0)" }.joined(separator: "\n")
    }
}

/// What became of the version that was serving when its replacement failed.
public enum PreviousVersion: Sendable, Equatable {
    /// There was none (a first publish).
    case none
    /// It was never stopped: the new version failed on its staging port.
    case untouched(running: Bool)
    /// It had been stopped for the switch and was started again.
    case startedAgain
    /// It was stopped before the publish and is left so.
    case leftStopped
    /// Putting it back failed; the message says how.
    case notRestored(String)

    var sentence: String {
        switch self {
        case .none: return "Nothing was left running. "
        case .untouched(let running):
            return running ? "The previous version still serves (it was never stopped). "
                : "The previous version was left as it was (stopped). "
        case .startedAgain: return "The previous version was started again. "
        case .leftStopped: return "The previous version was left stopped, as it was. "
        case .notRestored(let problem):
            return "The previous version could not be put back (\(problem)); run `berth start` for the site. "
        }
    }
}
