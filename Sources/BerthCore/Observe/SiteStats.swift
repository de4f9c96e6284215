import Foundation

/// A site's resource use at one moment, from one sample of the Engine's stats.
public struct SiteStatsSample: Sendable, Equatable, Encodable {
    public var identity: SiteIdentity
    public var host: String
    /// 100 is one full CPU; nil until the daemon has two measurements to compare.
    public var cpuPercent: Double?
    /// In use, without the page cache the kernel can drop (as `docker stats` shows it).
    public var memoryBytes: UInt64?
    public var memoryLimitBytes: UInt64?
    public var networkRxBytes: UInt64
    public var networkTxBytes: UInt64
    /// When the daemon took the sample (RFC 3339).
    public var time: String?

    public init(identity: SiteIdentity, host: String, stats: ContainerStats) {
        self.identity = identity
        self.host = host
        cpuPercent = stats.cpuPercent
        memoryBytes = stats.memoryUsageBytes
        memoryLimitBytes = stats.memoryLimitBytes
        networkRxBytes = stats.networkReceivedBytes
        networkTxBytes = stats.networkSentBytes
        time = stats.read
    }

    public var memoryPercent: Double? {
        guard let used = memoryBytes, let limit = memoryLimitBytes, limit > 0 else { return nil }
        return Double(used) / Double(limit) * 100
    }

    public func label(showingHost: Bool) -> String {
        identity.label(host: host, showingHost: showingHost)
    }

    enum CodingKeys: String, CodingKey {
        case site, user, host, cpuPercent, memoryBytes, memoryLimitBytes, networkRxBytes, networkTxBytes, time
    }

    /// The `--json` form; a figure the daemon did not give is null, so every line has the same fields.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(identity.site, forKey: .site)
        try container.encode(identity.user, forKey: .user)
        try container.encode(host, forKey: .host)
        try container.encode(cpuPercent, forKey: .cpuPercent)
        try container.encode(memoryBytes, forKey: .memoryBytes)
        try container.encode(memoryLimitBytes, forKey: .memoryLimitBytes)
        try container.encode(networkRxBytes, forKey: .networkRxBytes)
        try container.encode(networkTxBytes, forKey: .networkTxBytes)
        try container.encode(time, forKey: .time)
    }
}

/// Reads the resource use of many sites at once.
///
/// Following, it follows the sites rather than their containers, as `SiteLogReader` does: given the selection the
/// sites came from, the hosts are surveyed every `surveyInterval`; a site's new container after a publish or
/// rollback is read in place of the old one, under the same site, and a site that starts running since (of the
/// selection) joins. A site stopped or removed for good (see `FollowedSites`) ends its own stream.
public struct SiteStatsReader: Sendable {
    public typealias OpenStats = @Sendable (_ site: LocatedSite, _ stream: Bool)
        -> AsyncThrowingStream<ContainerStats, any Error>

    public static let defaultSurveyInterval = Duration.seconds(1)

    public var sites: [LocatedSite]
    let survey: SiteStreamSurvey?
    let openStats: OpenStats

    /// With `selection` (the one `sites` were located by), `follow` keeps looking at the hosts for the sites'
    /// new containers and for sites that start running.
    public init(sites: [LocatedSite], selection: SiteSelection? = nil,
                surveyInterval: Duration = defaultSurveyInterval) {
        var survey: SiteStreamSurvey?
        if let selection {
            let engines = selection.hosts.map { ($0, DockerEngine(endpoint: $0.endpoint)) }
            let identities = !selection.siteNames.isEmpty && selection.user == nil ? Set(sites.map(\.identity)) : nil
            survey = SiteStreamSurvey(interval: surveyInterval) {
                var survey = await selection.survey(engines: engines, identities: identities)
                // A stopped container has no resource use to follow: for stats it is as good as gone.
                survey.sites = survey.sites.filter(\.container.isRunning)
                return survey
            }
        }
        self.init(sites: sites, survey: survey) { site, stream in site.engine.stats(site.container.id, stream: stream) }
    }

    /// `openStats` stands in for the daemon, and `survey` for the hosts, in tests.
    init(sites: [LocatedSite], survey: SiteStreamSurvey? = nil, openStats: @escaping OpenStats) {
        self.sites = sites
        self.survey = survey
        self.openStats = openStats
    }

    /// One sample of every site, all asked for at once (the daemon takes about two seconds to measure CPU);
    /// in the order of `sites`. A site whose container is gone is `.ended`, one that cannot be read `.failed`.
    public func sampleOnce() async -> [SiteStreamEvent<SiteStatsSample>] {
        let openStats = self.openStats
        return await withTaskGroup(of: (Int, SiteStreamEvent<SiteStatsSample>).self) { group in
            for (index, site) in sites.enumerated() {
                group.addTask {
                    do {
                        for try await stats in openStats(site, false) {
                            return (index, .value(SiteStatsSample(identity: site.identity, host: site.hostName,
                                                                  stats: stats)))
                        }
                        return (index, .ended(site))
                    } catch {
                        return (index, SiteStreams.isContainerGone(error) ? .ended(site) : .failed(site, error))
                    }
                }
            }
            var results: [(Int, SiteStreamEvent<SiteStatsSample>)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// Follows every site's stats stream concurrently (the daemon sends a sample a second) and hands each sample,
    /// and each site's end or failure, to `handle` on the calling task as it arrives. Returns once every site has
    /// ended, or when the calling task is cancelled.
    public func follow(_ handle: (SiteStreamEvent<SiteStatsSample>) throws -> Void) async throws {
        let openStats = self.openStats
        let clock = ContinuousClock()
        var followed = FollowedSites(reading: sites)
        /// The site each open stream reads, by the number `SiteStreams` gives it.
        var readings: [Int: LocatedSite] = [:]
        /// The container read for each site: a replaced container's stream, while it lasts, is not the site's.
        var current: [SiteKey: String] = [:]
        var nextStream = 0
        func opening(_ site: LocatedSite) -> SiteStreamOpening<ContainerStats> {
            readings[nextStream] = site
            current[site.key] = site.container.id
            nextStream += 1
            return SiteStreamOpening(site: site) { openStats(site, true) }
        }
        let first = sites.map(opening)
        let surveying = survey != nil

        try await SiteStreams.follow(first, tick: nil, survey: survey) { input in
            var demand = SiteStreamDemand<ContainerStats>()
            switch input {
            case .event(let stream, .value(let stats)):
                guard let site = readings[stream], current[site.key] == site.container.id else { break }
                try handle(.value(SiteStatsSample(identity: site.identity, host: site.hostName, stats: stats)))
            case .event(let stream, .ended(let site)):
                readings[stream] = nil
                if surveying {
                    followed.streamEnded(site, lastTime: nil, now: clock.now)
                } else {
                    try handle(.ended(site))
                }
            case .event(let stream, .failed(let site, let error)):
                readings[stream] = nil
                if surveying {
                    followed.streamEnded(site, failure: error, lastTime: nil, now: clock.now)
                } else {
                    try handle(.failed(site, error))
                }
            case .surveyed(let survey):
                let (open, ended, failed) = followed.surveyed(survey)
                for (site, _) in ended where current[site.key] == site.container.id {
                    current[site.key] = nil
                    try handle(.ended(site))
                }
                for (site, error, _) in failed { try handle(.failed(site, error)) }
                demand.open = open.map { opening($0.site) }
            case .tick:
                break
            }
            demand.waiting = followed.isWaiting
            return demand
        }
    }
}

/// The rows of the `berth stats` table, like `docker stats`: binary units for memory, decimal ones for network.
public enum SiteStatsTable {
    public static let header = ["SITE", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O"]

    /// A row per site, in the given order, after the header; `--` where there is no figure (yet).
    public static func rows(_ entries: [(label: String, sample: SiteStatsSample?)]) -> [[String]] {
        [header] + entries.map { row(label: $0.label, sample: $0.sample) }
    }

    public static func row(label: String, sample: SiteStatsSample?) -> [String] {
        guard let sample else { return [label, "--", "-- / --", "--", "-- / --"] }
        let memory = sample.memoryBytes.map(ByteCountText.binary) ?? "--"
        let limit = sample.memoryLimitBytes.map(ByteCountText.binary) ?? "--"
        return [
            label,
            sample.cpuPercent.map(percent) ?? "--",
            "\(memory) / \(limit)",
            sample.memoryPercent.map(percent) ?? "--",
            "\(ByteCountText.decimal(sample.networkRxBytes)) / \(ByteCountText.decimal(sample.networkTxBytes))",
        ]
    }

    static func percent(_ value: Double) -> String {
        String(format: "%.2f%%", value)
    }
}

/// Byte counts as `docker stats` writes them: at most four significant digits and a unit.
public enum ByteCountText {
    /// `80MiB`, `1.5KiB`, `512B`.
    public static func binary(_ bytes: UInt64) -> String {
        scaled(bytes, base: 1024, units: ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"])
    }

    /// `1.2kB`, `3.456MB`, `0B`.
    public static func decimal(_ bytes: UInt64) -> String {
        scaled(bytes, base: 1000, units: ["B", "kB", "MB", "GB", "TB", "PB", "EB"])
    }

    private static func scaled(_ bytes: UInt64, base: Double, units: [String]) -> String {
        var value = Double(bytes)
        var unit = 0
        while value >= base && unit < units.count - 1 {
            value /= base
            unit += 1
        }
        return String(format: "%.4g", value) + units[unit]
    }
}
