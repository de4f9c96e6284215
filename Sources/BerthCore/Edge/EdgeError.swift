public enum EdgeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The host has no `edge:` block.
    case notConfigured(host: String)
    /// The host has an edge, but its container is not running.
    case notRunning(host: String, state: String?)
    /// A container named `berth-edge` that berth did not make.
    case foreignContainer(host: String)
    /// Caddy refused the configuration (the previous one keeps serving).
    case reloadFailed(host: String, output: String)
    case startFailed(host: String, reason: String, logs: [String])
    /// A name the new site asks for is served by another site on the host.
    case hostnameTaken(EdgeHostname, owner: SiteIdentity, host: String)
    /// Another site's publish, under way at the same moment, claimed the name too.
    case hostnameClaimedMeanwhile(EdgeHostname, by: SiteIdentity, host: String)
    case invalidHostname(EdgeHostnameError)
    case certificateFile(path: String, reason: String)
    /// `berth edge ca` with a TLS mode that has no CA of the edge's own.
    case noInternalCA(host: String, mode: String)

    public var description: String {
        switch self {
        case .notConfigured(let host):
            return "host \(host) has no edge: add an 'edge:' block (domain, tls) to its entry in the hosts file"
        case .notRunning(let host, let state):
            let what = state.map { "is \($0)" } ?? "does not exist"
            return "the edge on \(host) \(what), so the site could not be routed; start it with "
                + "`berth edge up --host \(host)` and publish again"
        case .foreignContainer(let host):
            return "a container named \(EdgeContainerSpec.containerName) exists on \(host) that berth did not make; "
                + "berth leaves it alone: remove or rename it to run the edge"
        case .reloadFailed(let host, let output):
            return "the edge on \(host) refused its new configuration (the previous one keeps serving): \(output)"
        case .startFailed(let host, let reason, let logs):
            let tail = logs.isEmpty ? "" : "\nIts last log lines:\n" + logs.map { "  | \($0)" }.joined(separator: "\n")
            return "the edge on \(host) did not start: \(reason)\(tail)"
        case .hostnameTaken(let name, let owner, let host):
            return "\(name) is already served by the site \(owner) on \(host); choose another --domain, or remove "
                + "it from that site first"
        case .hostnameClaimedMeanwhile(let name, let other, let host):
            return "\(name) is being claimed by the site \(other) on \(host), whose publish is under way; nothing "
                + "was switched. Publish again once it has finished (if \(other) then serves the name, choose "
                + "another --domain)"
        case .invalidHostname(let error):
            return "\(error)"
        case .certificateFile(let path, let reason):
            return "the edge's certificate file \(path) \(reason); check 'tls: {cert, key}' in the hosts file"
        case .noInternalCA(let host, let mode):
            return "the edge on \(host) uses tls: \(mode), which has no CA of its own; `berth edge ca` is for tls: internal"
        }
    }
}
