/// A Docker Engine API version such as 1.41.
public struct EngineAPIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses "1.41"; nil for anything else.
    public init?(_ text: String) {
        let parts = text.trimmingWhitespace().split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0 else {
            return nil
        }
        self.init(major: major, minor: minor)
    }

    /// The oldest API berth speaks: Docker 20.10.
    public static let oldestSupported = EngineAPIVersion(major: 1, minor: 41)
    /// The newest API berth has been written against; newer daemons are spoken to in this version. (Docker 29
    /// refuses clients below 1.44, so this must stay at or above that.)
    public static let newestSupported = EngineAPIVersion(major: 1, minor: 47)

    /// The version to speak with a daemon whose newest API is `daemon`, or nil when the daemon is too old.
    public static func negotiated(withDaemon daemon: EngineAPIVersion) -> EngineAPIVersion? {
        guard daemon >= oldestSupported else { return nil }
        return min(daemon, newestSupported)
    }

    public static func < (lhs: EngineAPIVersion, rhs: EngineAPIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    public var description: String { "\(major).\(minor)" }
}
