/// One line a site's container wrote, with whose site it is.
public struct SiteLogLine: Sendable, Equatable, Encodable {
    public var identity: SiteIdentity
    public var host: String
    public var stream: LogStream
    /// Docker's RFC 3339 timestamp, as Docker wrote it.
    public var time: String?
    public var text: String

    public init(identity: SiteIdentity, host: String, stream: LogStream, time: String?, text: String) {
        self.identity = identity
        self.host = host
        self.stream = stream
        self.time = time
        self.text = text
    }

    /// `time`, parsed; what orders lines of different sites.
    public var parsedTime: LogTime? { time.flatMap(LogTime.init(rfc3339:)) }

    public func label(showingHost: Bool) -> String {
        identity.label(host: host, showingHost: showingHost)
    }

    /// The text form: `user/site | text` for standard output, `user/site ! text` for standard error, the label
    /// padded to `labelWidth` so that the texts line up; with `timestamps`, Docker's stamp before the text.
    public func formatted(labelWidth: Int, showingHost: Bool, timestamps: Bool) -> String {
        let label = self.label(showingHost: showingHost)
        let padding = String(repeating: " ", count: max(0, labelWidth - label.count))
        let separator = stream == .stderr ? "!" : "|"
        let stamp = timestamps ? (time ?? "-") + " " : ""
        return "\(label)\(padding) \(separator) \(stamp)\(text)"
    }

    enum CodingKeys: String, CodingKey {
        case site, user, host, stream, time, text
    }

    /// The `--json` form: `{site, user, host, stream, time, text}`; `time` is null when Docker gave none.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(identity.site, forKey: .site)
        try container.encode(identity.user, forKey: .user)
        try container.encode(host, forKey: .host)
        try container.encode(stream.rawValue, forKey: .stream)
        try container.encode(time, forKey: .time)
        try container.encode(text, forKey: .text)
    }
}

extension SiteIdentity {
    /// `user/site`, or `user/site@host` when sites of several hosts are shown together.
    public func label(host: String, showingHost: Bool) -> String {
        showingHost ? "\(self)@\(host)" : description
    }
}

public struct SiteLogOptions: Sendable, Equatable {
    /// The last so many lines of each site; all when nil.
    public var tail: Int?
    public var since: LogSince?
    /// Keep reading and deliver lines as the containers write them.
    public var follow: Bool
    /// How long a followed line is held so that a line another container wrote a little earlier can overtake it.
    public var reorderWindow: Duration

    public static let defaultReorderWindow = Duration.milliseconds(500)

    public init(tail: Int? = nil, since: LogSince? = nil, follow: Bool = false,
                reorderWindow: Duration = defaultReorderWindow) {
        self.tail = tail
        self.since = since
        self.follow = follow
        self.reorderWindow = reorderWindow
    }
}

/// Reads the logs of many sites as one stream in time order, by Docker's timestamps.
///
/// Without `follow`, each container's lines (already in order) are merged: the line with the earliest stamp
/// goes first, and lines with equal stamps keep the order of `sites`. The result is exactly ordered.
///
/// With `follow`, every container is read concurrently and lines are written as they arrive, held for
/// `reorderWindow` so that they come out in stamp order (see `LogReorderBuffer`): a line is out of order only
/// if it reaches berth more than the window after a line stamped later than it. Given the selection the sites
/// came from, the hosts are surveyed every `surveyInterval`, and a container not read yet is read from its
/// start: a site's new container after a publish or rollback, under the same site, and a site published since
/// (see `FollowedSites`). A site whose container is stopped or removed for good ends its own stream (`.ended`);
/// the others go on. Following ends when every site's stream has ended, or when the calling task is cancelled, after
/// writing what it still holds.
public struct SiteLogReader: Sendable {
    public typealias OpenLog = @Sendable (_ site: LocatedSite, _ tail: Int?, _ follow: Bool, _ sinceSeconds: Int64?)
        -> AsyncThrowingStream<LogLine, any Error>

    public static let defaultSurveyInterval = Duration.seconds(1)

    public var sites: [LocatedSite]
    public var options: SiteLogOptions
    let survey: SiteStreamSurvey?
    let openLog: OpenLog

    /// With `selection` (the one `sites` were located by) and `follow`, sites and containers that appear while
    /// following are read too.
    public init(sites: [LocatedSite], options: SiteLogOptions, selection: SiteSelection? = nil,
                surveyInterval: Duration = defaultSurveyInterval) {
        var survey: SiteStreamSurvey?
        if let selection, options.follow {
            let engines = selection.hosts.map { ($0, DockerEngine(endpoint: $0.endpoint)) }
            let identities = !selection.siteNames.isEmpty && selection.user == nil ? Set(sites.map(\.identity)) : nil
            survey = SiteStreamSurvey(interval: surveyInterval) {
                await selection.survey(engines: engines, identities: identities)
            }
        }
        self.init(sites: sites, options: options, survey: survey) { site, tail, follow, since in
            site.engine.containerLogs(site.container.id, tail: tail, follow: follow, since: since, timestamps: true)
        }
    }

    /// `openLog` stands in for the daemon in tests that need timestamps a real container cannot be made to write,
    /// and `survey` for the hosts in tests of containers that come and go.
    init(sites: [LocatedSite], options: SiteLogOptions, survey: SiteStreamSurvey? = nil,
         openLog: @escaping OpenLog) {
        self.sites = sites
        self.options = options
        self.survey = survey
        self.openLog = openLog
    }

    /// Reads the logs, handing each line (and with `follow`, each stream's end) to `handle` on the calling task.
    /// A stream that fails is reported as `.failed` and the others go on.
    public func read(now: LogTime = .now(), _ handle: (SiteStreamEvent<SiteLogLine>) throws -> Void) async throws {
        let start = options.since?.start(now: now)
        // Docker takes whole seconds; lines before a finer start are dropped here.
        func siteLine(_ line: LogLine, of site: LocatedSite) -> SiteLogLine? {
            let siteLine = SiteLogLine(identity: site.identity, host: site.hostName, stream: line.stream,
                                       time: line.timestamp, text: line.text)
            if let start, let time = siteLine.parsedTime, time < start { return nil }
            return siteLine
        }
        if options.follow {
            try await follow(sites, start: start, siteLine: siteLine, handle)
        } else {
            let (openLog, tail) = (self.openLog, options.tail)
            try await merge(sites, open: { openLog($0, tail, false, start?.secondsSince1970) }, siteLine: siteLine,
                            handle)
        }
    }

    private func merge(
        _ sites: [LocatedSite],
        open: @Sendable (LocatedSite) -> AsyncThrowingStream<LogLine, any Error>,
        siteLine: (LogLine, LocatedSite) -> SiteLogLine?,
        _ handle: (SiteStreamEvent<SiteLogLine>) throws -> Void
    ) async throws {
        var iterators = sites.map { open($0).makeAsyncIterator() }
        var heads: [(line: SiteLogLine, time: LogTime)?] = Array(repeating: nil, count: sites.count)
        var lastTimes = Array(repeating: LogTime.distantPast, count: sites.count)

        func advance(_ index: Int) async throws {
            heads[index] = nil
            do {
                while let line = try await iterators[index].next() {
                    guard let next = siteLine(line, sites[index]) else { continue }
                    // A line without a stamp stays with the one before it.
                    lastTimes[index] = next.parsedTime ?? lastTimes[index]
                    heads[index] = (next, lastTimes[index])
                    return
                }
            } catch {
                // A container removed since it was listed simply has no more lines.
                if !SiteStreams.isContainerGone(error) { try handle(.failed(sites[index], error)) }
            }
        }

        for index in sites.indices { try await advance(index) }
        while true {
            var earliest: Int?
            for (index, head) in heads.enumerated() {
                guard let head else { continue }
                if let current = earliest, let best = heads[current], best.time <= head.time { continue }
                earliest = index
            }
            guard let index = earliest, let head = heads[index] else { return }
            try handle(.value(head.line))
            try await advance(index)
        }
    }

    private func follow(
        _ sites: [LocatedSite],
        start: LogTime?,
        siteLine: (LogLine, LocatedSite) -> SiteLogLine?,
        _ handle: (SiteStreamEvent<SiteLogLine>) throws -> Void
    ) async throws {
        /// A stream being read, by the number `SiteStreams` gives it.
        struct Reading {
            var site: LocatedSite
            /// Lines up to this stamp were shown by an earlier stream of the same container.
            var shownBefore: LogTime?
            /// The stamp of the last line (a line without one goes with the line before it).
            var lastTime: LogTime?
        }
        let clock = ContinuousClock()
        var buffer = LogReorderBuffer<SiteStreamEvent<SiteLogLine>>(window: options.reorderWindow)
        var followed = FollowedSites(reading: sites)
        var readings: [Int: Reading] = [:]
        var nextStream = 0
        func opening(_ site: LocatedSite, _ from: FollowedSites.Start, tail: Int?) -> SiteStreamOpening<LogLine> {
            let openLog = self.openLog
            var shownBefore: LogTime?
            if case .after(let time) = from { shownBefore = time }
            let since = shownBefore?.secondsSince1970 ?? start?.secondsSince1970
            readings[nextStream] = Reading(site: site, shownBefore: shownBefore, lastTime: shownBefore)
            nextStream += 1
            return SiteStreamOpening(site: site) { openLog(site, tail, true, since) }
        }
        let first = sites.map { opening($0, .beginning, tail: options.tail) }

        try await SiteStreams.follow(first, tick: options.reorderWindow / 5, survey: survey) { input in
            var demand = SiteStreamDemand<LogLine>()
            switch input {
            case .event(let stream, .value(let line)):
                guard var reading = readings[stream], let line = siteLine(line, reading.site) else { break }
                if let before = reading.shownBefore, let time = line.parsedTime, time <= before { break }
                reading.lastTime = line.parsedTime ?? reading.lastTime
                readings[stream] = reading
                buffer.insert(.value(line), time: reading.lastTime ?? .distantPast, arrivedAt: clock.now)
            case .event(let stream, .ended(let site)):
                let reading = readings.removeValue(forKey: stream)
                if survey == nil {
                    // After the site's own lines, whatever their stamps.
                    buffer.insert(.ended(site), time: reading?.lastTime ?? .distantPast, arrivedAt: clock.now)
                } else {
                    followed.streamEnded(site, lastTime: reading?.lastTime, now: clock.now)
                }
            case .event(let stream, .failed(let site, let error)):
                let reading = readings.removeValue(forKey: stream)
                if survey == nil {
                    buffer.insert(.failed(site, error), time: reading?.lastTime ?? .distantPast, arrivedAt: clock.now)
                } else {
                    followed.streamEnded(site, failure: error, lastTime: reading?.lastTime, now: clock.now)
                }
            case .surveyed(let survey):
                let (open, ended, failed) = followed.surveyed(survey)
                for (site, lastTime) in ended {
                    buffer.insert(.ended(site), time: lastTime, arrivedAt: clock.now)
                }
                for (site, error, lastTime) in failed {
                    buffer.insert(.failed(site, error), time: lastTime, arrivedAt: clock.now)
                }
                demand.open = open.map { opening($0.site, $0.start, tail: nil) }
            case .tick:
                break
            }
            for event in buffer.release(now: clock.now) { try handle(event) }
            demand.waiting = followed.isWaiting
            return demand
        }
        for event in buffer.drain() { try handle(event) }
    }
}
