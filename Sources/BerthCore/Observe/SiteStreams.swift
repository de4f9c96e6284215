/// What a site's stream reports while many are followed at once.
public enum SiteStreamEvent<Value: Sendable>: Sendable {
    case value(Value)
    /// The site's stream ended: its container stopped or was removed. The other sites' streams go on.
    case ended(LocatedSite)
    /// The site's stream failed; the other sites' streams go on.
    case failed(LocatedSite, any Error)
}

/// What arrives, in arrival order, while many sites' streams are followed at once.
enum SiteStreamInput<Value: Sendable>: Sendable {
    /// From the stream numbered `stream`: streams are numbered from 0 in the order they are opened.
    case event(stream: Int, SiteStreamEvent<Value>)
    /// Time passed (`tick`), whether or not anything arrived.
    case tick
    /// The hosts were looked at again (`survey`).
    case surveyed(SiteSurvey)
}

/// A stream to read while following: its site, and how to open it (in the task that reads it).
struct SiteStreamOpening<Value: Sendable>: Sendable {
    var site: LocatedSite
    var open: @Sendable () -> AsyncThrowingStream<Value, any Error>
}

/// What the consumer of a follow wants after each input.
struct SiteStreamDemand<Value: Sendable>: Sendable {
    /// Streams to read from now on, numbered after those opened before.
    var open: [SiteStreamOpening<Value>] = []
    /// Go on even when no stream is open: whether a site's stream has a successor is not decided yet.
    var waiting = false
}

/// How often, and how, a follow looks at the hosts again for containers it does not read yet.
struct SiteStreamSurvey: Sendable {
    var interval: Duration
    var take: @Sendable () async -> SiteSurvey?
}

enum SiteStreams {
    /// Follows one stream per site concurrently and hands what arrives to `consume` one at a time, on the
    /// calling task, in arrival order.
    static func follow<Value: Sendable>(
        _ sites: [LocatedSite],
        tick: Duration?,
        open: @escaping @Sendable (LocatedSite) -> AsyncThrowingStream<Value, any Error>,
        consume: (SiteStreamInput<Value>) throws -> Void
    ) async throws {
        let openings = sites.map { site in SiteStreamOpening(site: site, open: { open(site) }) }
        try await follow(openings, tick: tick, survey: nil) { input in
            try consume(input)
            return SiteStreamDemand()
        }
    }

    /// Follows the streams of `first`, and those `consume` asks for, concurrently, and hands what arrives to
    /// `consume` one at a time, on the calling task, in arrival order; with `tick`, also a `.tick` that often, and
    /// with `survey`, each survey as it is taken. Returns once every stream has ended or failed and `consume` is
    /// waiting for nothing more, or as soon as the calling task is cancelled (the streams still open are then
    /// dropped).
    static func follow<Value: Sendable>(
        _ first: [SiteStreamOpening<Value>],
        tick: Duration?,
        survey: SiteStreamSurvey?,
        consume: (SiteStreamInput<Value>) throws -> SiteStreamDemand<Value>
    ) async throws {
        guard !first.isEmpty else { return }
        let (inputs, feed) = AsyncStream<SiteStreamInput<Value>>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            var opened = 0
            func read(_ opening: SiteStreamOpening<Value>) {
                let (number, site, open) = (opened, opening.site, opening.open)
                opened += 1
                group.addTask {
                    do {
                        for try await value in open() {
                            feed.yield(.event(stream: number, .value(value)))
                        }
                        feed.yield(.event(stream: number, .ended(site)))
                    } catch {
                        feed.yield(.event(stream: number, isContainerGone(error) ? .ended(site) : .failed(site, error)))
                    }
                }
            }
            func every(_ interval: Duration, _ input: @escaping @Sendable () async -> SiteStreamInput<Value>?) {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: interval)
                        if let input = await input() { feed.yield(input) }
                    }
                }
            }

            first.forEach(read)
            var openStreams = first.count
            if let tick { every(tick) { .tick } }
            if let survey {
                // One survey at a time, so that they arrive in the order they were taken.
                every(survey.interval) { await survey.take().map { .surveyed($0) } }
            }
            // When this task is cancelled (Ctrl-C), iterating `inputs` still yields what was queued before, then
            // ends. Values that had reached berth are consumed; the streams' ends and failures, caused by the
            // cancellation itself, are not news.
            for await input in inputs {
                if Task.isCancelled {
                    guard case .event(_, .value) = input else { continue }
                }
                let demand = try consume(input)
                switch input {
                case .event(_, .ended), .event(_, .failed): openStreams -= 1
                case .event(_, .value), .tick, .surveyed: break
                }
                if !Task.isCancelled {
                    demand.open.forEach(read)
                    openStreams += demand.open.count
                }
                if openStreams == 0 && !demand.waiting { break }
            }
            group.cancelAll()
            feed.finish()
        }
    }

    /// A container removed before its stream is opened, or being removed as it is opened, has ended, not failed.
    static func isContainerGone(_ error: any Error) -> Bool {
        switch error {
        case EngineError.notFound: return true
        // "can not get logs from container which is dead or marked for removal"
        case EngineError.conflict(let message): return message.contains("marked for removal")
        default: return false
        }
    }
}
