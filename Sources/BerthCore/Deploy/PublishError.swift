public enum PublishError: Error, Sendable, CustomStringConvertible {
    case invalidOption(String)
    /// A container of that name exists but is not this site's (another user's site, or not berth's at all).
    case nameTaken(containerName: String, host: String, owner: String?)
    case siteChangedDuringPublish(site: String)
    case noFreePort(host: String, range: ClosedRange<Int>)
    case portInUse(port: Int, host: String, message: String)
    /// The new version did not serve; the previous one (if any) was restored.
    case checkFailed(url: String, reason: String, logs: [String], restored: Bool)
    case startFailed(reason: String, logs: [String], restored: Bool)

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
        case .portInUse(let port, let host, let message):
            return "port \(port) on \(host) is already in use (\(message)); pass another --port or --port auto"
        case .checkFailed(let url, let reason, let logs, let restored):
            return "the new version did not serve at \(url): \(reason). "
                + (restored ? "The previous version was started again. " : "Nothing was left running. ")
                + Self.logText(logs)
        case .startFailed(let reason, let logs, let restored):
            return "the new container did not start: \(reason). "
                + (restored ? "The previous version was started again. " : "")
                + Self.logText(logs)
        }
    }

    private static func logText(_ logs: [String]) -> String {
        guard !logs.isEmpty else { return "The container wrote no log lines." }
        return "Its last log lines:\n" + logs.map { "  | \($0)" }.joined(separator: "\n")
    }
}
