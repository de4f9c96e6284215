@testable import BerthCore

/// Sites that exist only in memory, for the parts of logs and stats that a real daemon cannot be made to show
/// on demand (chosen timestamps, failures mid-stream).
enum FakeSites {
    static let host = DockerHost(name: "local", endpoint: .defaultLocal)
    /// Never contacted: the tests hand in the streams themselves.
    static let engine = DockerEngine(endpoint: .defaultLocal)

    static func site(_ name: String, user: String = "ann", state: String = "running", host: DockerHost = host)
        -> LocatedSite
    {
        let identity = SiteIdentity(user: user, site: name)
        let summary = ContainerSummary(
            id: "id-\(user)-\(name)", names: ["/\(identity.containerName)"], image: "\(user)/\(name):1",
            imageID: nil, created: 0, state: state, status: "", labels: identity.labels, ports: nil)
        return LocatedSite(container: SiteContainer(host: host, identity: identity, summary: summary), engine: engine)
    }

    /// A log line stamped `seconds` after 2024-05-01T12:00:00Z.
    static func line(_ text: String, at seconds: Double?, stream: LogStream = .stdout) -> LogLine {
        LogLine(stream: stream, text: text, timestamp: seconds.map(stamp))
    }

    static func stamp(_ seconds: Double) -> String {
        let whole = Int(seconds)
        let nanos = Int(((seconds - Double(whole)) * 1e9).rounded())
        let fraction = String(nanos)
        return "2024-05-01T12:00:\(whole < 10 ? "0" : "")\(whole)."
            + String(repeating: "0", count: 9 - fraction.count) + fraction + "Z"
    }

    /// A finished stream of the given lines, then optionally an error.
    static func stream(_ lines: [LogLine], failing error: (any Error)? = nil) -> AsyncThrowingStream<LogLine, any Error> {
        AsyncThrowingStream { continuation in
            for line in lines { continuation.yield(line) }
            continuation.finish(throwing: error)
        }
    }
}
