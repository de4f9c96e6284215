/// A `SiteWatchEvent` as one JSON line of `GET /v1/logs` and `GET /v1/stats`: `{"event": "located" | "value" |
/// "ended" | "failed" | "error", …}`. A value is the very object `logs --json` or `stats --json` prints; an
/// `error` line (a failure after the stream began) carries the problem's code and message.
public struct SiteWatchRecord<Value: Codable & Sendable>: Codable, Sendable {
    public var event: String
    public var sites: [WatchedSite]?
    public var hosts: [String]?
    public var spansHosts: Bool?
    public var leftOut: [HostProblemRecord]?
    public var value: Value?
    public var site: WatchedSite?
    public var message: String?
    public var code: String?

    public init(_ event: SiteWatchEvent<Value>) {
        self.init(event: "")
        switch event {
        case .located(let sites, let hosts, let spansHosts, let leftOut):
            self.event = "located"
            self.sites = sites
            self.hosts = hosts
            self.spansHosts = spansHosts
            self.leftOut = leftOut
        case .value(let value):
            self.event = "value"
            self.value = value
        case .ended(let site):
            self.event = "ended"
            self.site = site
        case .failed(let site, let message):
            self.event = "failed"
            self.site = site
            self.message = message
        }
    }

    private init(event: String) {
        self.event = event
    }

    public static func error(_ problem: BerthProblem) -> SiteWatchRecord {
        var record = SiteWatchRecord(event: "error")
        record.message = problem.detail
        record.code = problem.code.rawValue
        return record
    }

    /// The event this line stands for; nil for a kind of line a newer berth sends. An `error` line is thrown.
    public func watchEvent() throws(BerthProblem) -> SiteWatchEvent<Value>? {
        switch event {
        case "located":
            return .located(sites: sites ?? [], hosts: hosts ?? [], spansHosts: spansHosts ?? false,
                            leftOut: leftOut ?? [])
        case "value": return value.map { .value($0) }
        case "ended": return site.map { .ended($0) }
        case "failed": return site.map { .failed($0, message: message ?? "failed") }
        case "error":
            throw BerthProblem(code.flatMap(BerthProblem.Code.init(rawValue:)) ?? .failed,
                               message ?? "the server reported a failure without a message")
        default: return nil
        }
    }
}

extension SiteLogLine: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let stream = try container.decode(String.self, forKey: .stream)
        self.init(identity: SiteIdentity(user: try container.decode(String.self, forKey: .user),
                                         site: try container.decode(String.self, forKey: .site)),
                  host: try container.decode(String.self, forKey: .host),
                  stream: LogStream(rawValue: stream) ?? .stdout,
                  time: try container.decodeIfPresent(String.self, forKey: .time),
                  text: try container.decode(String.self, forKey: .text))
    }
}

extension SiteStatsSample: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        identity = SiteIdentity(user: try container.decode(String.self, forKey: .user),
                                site: try container.decode(String.self, forKey: .site))
        host = try container.decode(String.self, forKey: .host)
        cpuPercent = try container.decodeIfPresent(Double.self, forKey: .cpuPercent)
        memoryBytes = try container.decodeIfPresent(UInt64.self, forKey: .memoryBytes)
        memoryLimitBytes = try container.decodeIfPresent(UInt64.self, forKey: .memoryLimitBytes)
        networkRxBytes = try container.decode(UInt64.self, forKey: .networkRxBytes)
        networkTxBytes = try container.decode(UInt64.self, forKey: .networkTxBytes)
        time = try container.decodeIfPresent(String.self, forKey: .time)
    }
}

extension LogSince {
    /// The form sent to a server, which reads it back with `init(parsing:)`: a duration in milliseconds, or
    /// seconds since 1970 (a time's fraction of a second is dropped, as Docker drops it).
    public var queryValue: String {
        switch self {
        case .ago(let duration):
            let (seconds, attoseconds) = duration.components
            return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms"
        case .time(let time): return "\(time.secondsSince1970)"
        }
    }
}
