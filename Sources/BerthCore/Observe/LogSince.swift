/// Where a log starts, as `--since` takes it: a duration back from now (`30s`, `10m`, `2h`, `1d`, `1h30m`), an
/// RFC 3339 time (`2024-05-01T12:00:00Z`), or seconds since 1970 (`1714564800`).
public enum LogSince: Sendable, Equatable {
    case ago(Duration)
    case time(LogTime)

    public init(parsing text: String) throws(LogSinceError) {
        let trimmed = text.trimmingWhitespace()
        if let duration = Self.parseDuration(trimmed) {
            self = .ago(duration)
        } else if let time = LogTime(rfc3339: trimmed) {
            self = .time(time)
        } else if let seconds = Int64(trimmed), seconds >= 0 {
            self = .time(LogTime(secondsSince1970: seconds))
        } else {
            throw LogSinceError(text: text)
        }
    }

    /// The first moment whose lines are shown.
    public func start(now: LogTime) -> LogTime {
        switch self {
        case .ago(let duration): now.subtracting(duration)
        case .time(let time): time
        }
    }

    private static let unitSeconds: [(suffix: String, seconds: Double)] = [
        ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400),
    ]

    /// One or more `NUMBER UNIT` parts, such as `90s`, `1.5h` or `1h30m`.
    static func parseDuration(_ text: String) -> Duration? {
        var rest = Substring(text)
        var totalSeconds = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { $0.isASCII && $0.isLetter }
            guard let unit = unitSeconds.first(where: { $0.suffix == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            totalSeconds += value * unit.seconds
        }
        // More than a thousand years back is a typo, not a log to read.
        guard totalSeconds.isFinite, totalSeconds < 1000 * 365 * 86_400 else { return nil }
        return .nanoseconds(Int64((totalSeconds * 1e9).rounded()))
    }
}

public struct LogSinceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String

    public var description: String {
        "--since '\(text)' is neither a duration such as 30s, 10m, 2h or 1h30m, nor an RFC 3339 time such as "
            + "2024-05-01T12:00:00Z, nor seconds since 1970"
    }
}
