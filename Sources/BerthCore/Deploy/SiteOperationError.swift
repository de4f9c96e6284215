/// Why an operation on a published site (start, remove, rollback) failed, naming the site, the host and what to do.
public enum SiteOperationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The site was started but does not answer; it is left running.
    case notServing(SiteIdentity, host: String, url: String, reason: String, logs: [String])
    /// The site's container publishes no host port, so there is nowhere to check it.
    case noPublishedPort(SiteIdentity, host: String)
    /// The version asked for has no image on the host (never published there, or removed).
    case versionNotKept(SiteIdentity, host: String, version: String, kept: [String])
    /// A rollback without `--to` needs a version to go back from.
    case noCurrentVersion(SiteIdentity, host: String, kept: [String])
    case noEarlierVersion(SiteIdentity, host: String, current: String)
    /// The image carries no `berth.server` label berth understands, so it cannot be run as a site.
    case unknownServer(SiteIdentity, host: String, version: String, server: String?)
    /// The site's port is taken by another container (`holder`, when the engine lists it), so it cannot start.
    case portInUse(SiteIdentity, host: String, port: Int?, holder: String?, message: String)
    /// Some images could not be removed; the rest were.
    case imagesNotRemoved(SiteIdentity, host: String, failures: [String])

    public var description: String {
        switch self {
        case .notServing(let identity, let host, let url, let reason, let logs):
            let logText = logs.isEmpty
                ? "The container wrote no log lines."
                : "Its last log lines:\n" + logs.map { "  | \($0)" }.joined(separator: "\n")
            return "\(identity) was started on \(host) but does not serve at \(url): \(reason). It is left running; "
                + "roll back with `berth rollback \(identity.site)` or stop it with `berth stop \(identity.site)`. "
                + logText
        case .noPublishedPort(let identity, let host):
            return "the container of \(identity) on \(host) publishes no port; publish the site again"
        case .versionNotKept(let identity, let host, let version, let kept):
            return "version \(version) of \(identity) is not kept on \(host) (its image is gone or was never there); "
                + Self.keptText(kept) + ". Publish that content again to run it"
        case .noCurrentVersion(let identity, let host, let kept):
            return "\(identity) has no container on \(host), so there is no version to go back from; name one with "
                + "--to (\(Self.keptText(kept)))"
        case .noEarlierVersion(let identity, let host, let current):
            return "\(host) keeps no version of \(identity) older than its current one (\(current)); "
                + "see `berth versions \(identity.site)`, or name one with --to"
        case .unknownServer(let identity, let host, let version, let server):
            return "the image of \(identity) version \(version) on \(host) has "
                + (server.map { "an unknown server label '\($0)'" } ?? "no berth.server label")
                + "; berth cannot run it. Publish that content again"
        case .portInUse(let identity, let host, let port, let holder, let message):
            let which = port.map { "its port \($0)" } ?? "its port"
            return "\(identity) cannot start on \(host): \(which) is in use"
                + (holder.map { " by the container \($0)" } ?? "") + " (\(message)). Stop "
                + (holder.map { "\($0)" } ?? "whatever holds it") + ", or publish the site again with another --port"
        case .imagesNotRemoved(let identity, let host, let failures):
            return "some images of \(identity) on \(host) could not be removed:\n"
                + failures.map { "  \($0)" }.joined(separator: "\n")
        }
    }

    private static func keptText(_ kept: [String]) -> String {
        kept.isEmpty ? "no versions are kept there" : "kept versions: \(kept.joined(separator: ", "))"
    }
}
