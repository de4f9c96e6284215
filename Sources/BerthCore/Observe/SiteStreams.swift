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
    case event(index: Int, SiteStreamEvent<Value>)
    /// Time passed (`tick`), whether or not anything arrived.
    case tick
}

enum SiteStreams {
    /// Follows one stream per site concurrently and hands what arrives to `consume` one at a time, on the
    /// calling task, in arrival order; with `tick`, also a `.tick` that often. Returns once every stream has
    /// ended or failed, or as soon as the calling task is cancelled (the streams still open are then dropped).
    static func follow<Value: Sendable>(
        _ sites: [LocatedSite],
        tick: Duration?,
        open: @escaping @Sendable (LocatedSite) -> AsyncThrowingStream<Value, any Error>,
        consume: (SiteStreamInput<Value>) throws -> Void
    ) async throws {
        guard !sites.isEmpty else { return }
        let (inputs, feed) = AsyncStream<SiteStreamInput<Value>>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, site) in sites.enumerated() {
                group.addTask {
                    do {
                        for try await value in open(site) {
                            feed.yield(.event(index: index, .value(value)))
                        }
                        feed.yield(.event(index: index, .ended(site)))
                    } catch {
                        feed.yield(.event(index: index, isContainerGone(error) ? .ended(site) : .failed(site, error)))
                    }
                }
            }
            if let tick {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: tick)
                        feed.yield(.tick)
                    }
                }
            }
            var openStreams = sites.count
            // When this task is cancelled (Ctrl-C), iterating `inputs` still yields what was queued before, then
            // ends. Values that had reached berth are consumed; the streams' ends and failures, caused by the
            // cancellation itself, are not news.
            for await input in inputs {
                if Task.isCancelled {
                    guard case .event(_, .value) = input else { continue }
                }
                try consume(input)
                switch input {
                case .event(_, .ended), .event(_, .failed): openStreams -= 1
                case .event(_, .value), .tick: break
                }
                if openStreams == 0 { break }
            }
            group.cancelAll()
            feed.finish()
        }
    }

    /// A container removed before its stream is opened has ended, not failed.
    static func isContainerGone(_ error: any Error) -> Bool {
        if case EngineError.notFound = error { return true }
        return false
    }
}
