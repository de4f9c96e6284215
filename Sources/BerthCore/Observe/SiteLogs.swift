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
/// if it reaches berth more than the window after a line stamped later than it. A container that stops or is
/// removed ends its own stream (`.ended`); the others go on. Following ends when every stream has ended, or
/// when the calling task is cancelled, after writing what it still holds.
public struct SiteLogReader: Sendable {
    public typealias OpenLog = @Sendable (_ site: LocatedSite, _ tail: Int?, _ follow: Bool, _ sinceSeconds: Int64?)
        -> AsyncThrowingStream<LogLine, any Error>

    public var sites: [LocatedSite]
    public var options: SiteLogOptions
    let openLog: OpenLog

    public init(sites: [LocatedSite], options: SiteLogOptions) {
        self.init(sites: sites, options: options) { site, tail, follow, since in
            site.engine.containerLogs(site.container.id, tail: tail, follow: follow, since: since, timestamps: true)
        }
    }

    /// `openLog` stands in for the daemon in tests that need timestamps a real container cannot be made to write.
    init(sites: [LocatedSite], options: SiteLogOptions, openLog: @escaping OpenLog) {
        self.sites = sites
        self.options = options
        self.openLog = openLog
    }

    /// Reads the logs, handing each line (and with `follow`, each stream's end) to `handle` on the calling task.
    /// A stream that fails is reported as `.failed` and the others go on.
    public func read(now: LogTime = .now(), _ handle: (SiteStreamEvent<SiteLogLine>) throws -> Void) async throws {
        let start = options.since?.start(now: now)
        let sites = self.sites
        let open = { @Sendable (site: LocatedSite) in
            openLog(site, options.tail, options.follow, start?.secondsSince1970)
        }
        // Docker takes whole seconds; lines before a finer start are dropped here.
        func siteLine(_ line: LogLine, of site: LocatedSite) -> SiteLogLine? {
            let siteLine = SiteLogLine(identity: site.identity, host: site.hostName, stream: line.stream,
                                       time: line.timestamp, text: line.text)
            if let start, let time = siteLine.parsedTime, time < start { return nil }
            return siteLine
        }
        if options.follow {
            try await follow(sites, open: open, siteLine: siteLine, handle)
        } else {
            try await merge(sites, open: open, siteLine: siteLine, handle)
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
        open: @escaping @Sendable (LocatedSite) -> AsyncThrowingStream<LogLine, any Error>,
        siteLine: (LogLine, LocatedSite) -> SiteLogLine?,
        _ handle: (SiteStreamEvent<SiteLogLine>) throws -> Void
    ) async throws {
        let clock = ContinuousClock()
        var buffer = LogReorderBuffer<SiteStreamEvent<SiteLogLine>>(window: options.reorderWindow)
        var lastTimes = Array(repeating: LogTime.distantPast, count: sites.count)
        try await SiteStreams.follow(sites, tick: options.reorderWindow / 5, open: open) { input in
            if case .event(let index, let event) = input {
                switch event {
                case .value(let line):
                    guard let line = siteLine(line, sites[index]) else { break }
                    lastTimes[index] = line.parsedTime ?? lastTimes[index]
                    buffer.insert(.value(line), time: lastTimes[index], arrivedAt: clock.now)
                case .ended(let site):
                    // After the site's own lines, whatever their stamps.
                    buffer.insert(.ended(site), time: lastTimes[index], arrivedAt: clock.now)
                case .failed(let site, let error):
                    buffer.insert(.failed(site, error), time: lastTimes[index], arrivedAt: clock.now)
                }
            }
            for event in buffer.release(now: clock.now) { try handle(event) }
        }
        for event in buffer.drain() { try handle(event) }
    }
}
