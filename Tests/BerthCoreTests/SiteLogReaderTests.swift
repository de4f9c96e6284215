import Synchronization
import Testing

@testable import BerthCore

@Suite("Logs of many sites as one stream")
struct SiteLogReaderTests {
    private struct Collected {
        var lines: [SiteLogLine] = []
        var ended: [String] = []
        var failed: [String] = []
        /// Each line as `site:text`, and each end as `site:<ended>`, in the order they came.
        var order: [String] = []
    }

    private func read(
        _ streams: [String: AsyncThrowingStream<LogLine, any Error>],
        options: SiteLogOptions = SiteLogOptions(),
        now: LogTime = .now()
    ) async throws -> Collected {
        let sites = streams.keys.sorted().map { FakeSites.site($0) }
        let reader = SiteLogReader(sites: sites, options: options) { site, _, _, _ in
            streams[site.identity.site] ?? FakeSites.stream([])
        }
        var collected = Collected()
        try await reader.read(now: now) { event in
            switch event {
            case .value(let line):
                collected.lines.append(line)
                collected.order.append("\(line.identity.site):\(line.text)")
            case .ended(let site):
                collected.ended.append(site.identity.site)
                collected.order.append("\(site.identity.site):<ended>")
            case .failed(let site, _):
                collected.failed.append(site.identity.site)
                collected.order.append("\(site.identity.site):<failed>")
            }
        }
        return collected
    }

    @Test func without_follow_lines_of_all_sites_come_in_time_order() async throws {
        let collected = try await read([
            "a": FakeSites.stream([FakeSites.line("a1", at: 1), FakeSites.line("a2", at: 4), FakeSites.line("a3", at: 5)]),
            "b": FakeSites.stream([FakeSites.line("b1", at: 2), FakeSites.line("b2", at: 3), FakeSites.line("b3", at: 6)]),
            "c": FakeSites.stream([]),
        ])
        #expect(collected.order == ["a:a1", "b:b1", "b:b2", "a:a2", "a:a3", "b:b3"])
        #expect(collected.ended.isEmpty, "without follow the ends are not news")
    }

    @Test func equal_stamps_keep_the_order_of_the_sites_and_of_each_log() async throws {
        let collected = try await read([
            "a": FakeSites.stream([FakeSites.line("a1", at: 1), FakeSites.line("a2", at: 1)]),
            "b": FakeSites.stream([FakeSites.line("b1", at: 1), FakeSites.line("b2", at: 1)]),
        ])
        #expect(collected.order == ["a:a1", "a:a2", "b:b1", "b:b2"])
    }

    @Test func a_line_without_a_stamp_stays_with_the_line_before_it() async throws {
        let collected = try await read([
            "a": FakeSites.stream([FakeSites.line("a1", at: 1), FakeSites.line("a-unstamped", at: nil),
                                   FakeSites.line("a3", at: 5)]),
            "b": FakeSites.stream([FakeSites.line("b1", at: 2)]),
        ])
        #expect(collected.order == ["a:a1", "a:a-unstamped", "b:b1", "a:a3"])
    }

    @Test func since_drops_lines_before_a_start_finer_than_a_second() async throws {
        // Docker is asked from the whole second; the half second before the start is dropped here.
        let collected = try await read(
            ["a": FakeSites.stream([FakeSites.line("early", at: 10.2), FakeSites.line("late", at: 10.7)])],
            options: SiteLogOptions(since: .time(LogTime(rfc3339: "2024-05-01T12:00:10.5Z")!)))
        #expect(collected.order == ["a:late"])
    }

    @Test func since_is_passed_to_docker_in_whole_seconds() async throws {
        let asked = SinceRecorder()
        let reader = SiteLogReader(
            sites: [FakeSites.site("a")],
            options: SiteLogOptions(tail: 7, since: .ago(.seconds(90)))
        ) { _, tail, follow, since in
            asked.record(tail: tail, follow: follow, since: since)
            return FakeSites.stream([])
        }
        try await reader.read(now: LogTime(secondsSince1970: 1000, nanoseconds: 500)) { _ in }
        #expect(asked.calls == ["tail 7 follow false since 910"])
    }

    @Test func a_failing_log_is_reported_and_the_others_go_on() async throws {
        let collected = try await read([
            "a": FakeSites.stream([FakeSites.line("a1", at: 1)],
                                  failing: EngineError.connectionLost(operation: "read", reason: "reset")),
            "b": FakeSites.stream([FakeSites.line("b1", at: 2), FakeSites.line("b2", at: 3)]),
        ])
        #expect(collected.order == ["a:a1", "a:<failed>", "b:b1", "b:b2"])
    }

    @Test func a_container_removed_since_it_was_listed_has_no_lines_and_no_failure() async throws {
        let collected = try await read([
            "a": FakeSites.stream([], failing: EngineError.notFound("container id-ann-a")),
            "b": FakeSites.stream([FakeSites.line("b1", at: 2)]),
        ])
        #expect(collected.order == ["b:b1"])
    }

    @Test func following_puts_lines_that_arrive_close_together_in_time_order() async throws {
        let (first, firstFeed) = AsyncThrowingStream<LogLine, any Error>.makeStream()
        let (second, secondFeed) = AsyncThrowingStream<LogLine, any Error>.makeStream()
        // Site b's earlier line arrives after a's later one, within the window. The window is wide because the two
        // sites' streams are read by tasks of their own, which a loaded machine can run far apart; it costs no time,
        // since what is held is written as soon as every stream has ended.
        firstFeed.yield(FakeSites.line("a-later", at: 2))
        secondFeed.yield(FakeSites.line("b-earlier", at: 1))
        firstFeed.finish()
        secondFeed.finish()
        let collected = try await read(["a": first, "b": second],
                                       options: SiteLogOptions(follow: true, reorderWindow: .seconds(30)))
        #expect(collected.lines.map(\.text) == ["b-earlier", "a-later"])
        #expect(Set(collected.ended) == ["a", "b"])
        #expect(collected.order.firstIndex(of: "a:<ended>")! > collected.order.firstIndex(of: "a:a-later")!)
    }

    @Test func a_followed_container_that_ends_leaves_the_others_running() async throws {
        let (keptSource, keptFeed) = AsyncThrowingStream<LogLine, any Error>.makeStream()
        let kept = PullCountingStream(keptSource)
        let (removed, removedFeed) = AsyncThrowingStream<LogLine, any Error>.makeStream()
        let sites = [FakeSites.site("kept"), FakeSites.site("removed")]
        let reader = SiteLogReader(sites: sites, options: SiteLogOptions(follow: true, reorderWindow: .milliseconds(50))) {
            site, _, _, _ in site.identity.site == "kept" ? kept.stream : removed
        }
        let order = OrderRecorder()
        let reading = Task {
            try await reader.read { event in
                switch event {
                case .value(let line): order.append(line.text)
                case .ended(let site): order.append("<\(site.identity.site) ended>")
                case .failed(let site, _): order.append("<\(site.identity.site) failed>")
                }
            }
        }
        removedFeed.yield(FakeSites.line("last words", at: 1))
        removedFeed.finish()
        try await order.wait(for: "<removed ended>")
        keptFeed.yield(FakeSites.line("still here", at: 2))
        try await order.wait(for: "still here")
        #expect(order.items == ["last words", "<removed ended>", "still here"])

        // Cancelling (Ctrl-C) ends the follow; a line that reached berth, even one still held in the window, is
        // written first. The third pull of the kept stream means "held" was taken from it and passed on.
        keptFeed.yield(FakeSites.line("held", at: 3))
        try await kept.wait(forPulls: 3)
        reading.cancel()
        try await reading.value
        #expect(order.items.last == "held")
    }

    @Test func a_line_is_formatted_with_its_site_and_stream() {
        let out = SiteLogLine(identity: SiteIdentity(user: "ann", site: "blog"), host: "web2", stream: .stdout,
                              time: "2024-05-01T12:00:00.000000001Z", text: "GET /")
        let err = SiteLogLine(identity: SiteIdentity(user: "bo", site: "docs"), host: "local", stream: .stderr,
                              time: nil, text: "[warn] x")
        #expect(out.formatted(labelWidth: 10, showingHost: false, timestamps: false) == "ann/blog   | GET /")
        #expect(err.formatted(labelWidth: 10, showingHost: false, timestamps: false) == "bo/docs    ! [warn] x")
        #expect(out.formatted(labelWidth: 0, showingHost: true, timestamps: true)
                == "ann/blog@web2 | 2024-05-01T12:00:00.000000001Z GET /")
        #expect(err.formatted(labelWidth: 0, showingHost: false, timestamps: true) == "bo/docs ! - [warn] x")
    }
}

/// Records made by fakes that other tasks call.
private final class SinceRecorder: Sendable {
    private let recorded = Mutex<[String]>([])
    var calls: [String] { recorded.withLock { $0 } }

    func record(tail: Int?, follow: Bool, since: Int64?) {
        let call = "tail \(tail.map(String.init) ?? "all") follow \(follow) since \(since.map(String.init) ?? "none")"
        recorded.withLock { $0.append(call) }
    }
}

/// A stream that counts how often its reader asked for the next line, so that a test knows a line was taken.
private final class PullCountingStream: Sendable {
    private let pulls = PullCounter()
    let stream: AsyncThrowingStream<LogLine, any Error>

    init(_ source: AsyncThrowingStream<LogLine, any Error>) {
        let iterator = SharedIterator(source.makeAsyncIterator())
        let pulls = self.pulls
        stream = AsyncThrowingStream {
            pulls.count.withLock { $0 += 1 }
            return try await iterator.next()
        }
    }

    /// `timeout` only guards against a hang: a loaded machine can hold these tasks back for seconds.
    func wait(forPulls count: Int, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while pulls.count.withLock({ $0 }) < count {
            guard ContinuousClock.now < deadline else {
                Issue.record("the stream was pulled \(pulls.count.withLock { $0 }) times, not \(count), within \(timeout)")
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    private final class PullCounter: Sendable {
        let count = Mutex(0)
    }

    /// Only one task reads it: the site's stream in `SiteStreams.follow`.
    private final class SharedIterator: @unchecked Sendable {
        var iterator: AsyncThrowingStream<LogLine, any Error>.AsyncIterator
        init(_ iterator: AsyncThrowingStream<LogLine, any Error>.AsyncIterator) { self.iterator = iterator }
        func next() async throws -> LogLine? { try await iterator.next() }
    }
}

private final class OrderRecorder: Sendable {
    private let recorded = Mutex<[String]>([])
    var items: [String] { recorded.withLock { $0 } }

    func append(_ item: String) { recorded.withLock { $0.append(item) } }

    /// `timeout` only guards against a hang (see `PullCountingStream.wait`).
    func wait(for item: String, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !items.contains(item) {
            guard ContinuousClock.now < deadline else {
                Issue.record("\(item) did not come within \(timeout); got \(items)")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
