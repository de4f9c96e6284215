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

    @Test func a_replaced_container_is_followed_under_the_same_site_without_an_end_in_between() async throws {
        let old = FakeSites.site("a")
        let new = FakeSites.container(of: "a", id: "id-ann-a-next")
        let (oldLog, oldFeed) = AsyncThrowingStream<LogLine, any Error>.makeStream()
        let (newLog, newFeed) = AsyncThrowingStream<LogLine, any Error>.makeStream()
        // A publish under way: the old container stopped, the site's lock held.
        let daemon = FakeDaemon(sites: [FakeSites.site("a", state: "exited")], locked: ["ann/a"],
                                logs: [old.container.id: [oldLog], new.container.id: [newLog]])
        let order = OrderRecorder()
        let reading = Task { try await daemon.follow([old], tail: 0, recordingInto: order) }

        oldFeed.yield(FakeSites.line("old version", at: 1))
        oldFeed.finish()
        try await order.wait(for: "old version")
        try await daemon.waitForSurveys(after: 3)
        #expect(!order.items.contains("<a ended>"), "the site's end is not decided while its lock is held")
        daemon.set(sites: [new], locked: [])
        newFeed.yield(FakeSites.line("new version", at: 5))
        try await order.wait(for: "new version")

        daemon.set(sites: [], locked: [])
        newFeed.finish()
        try await reading.value
        #expect(order.items == ["old version", "new version", "<a ended>"])
        #expect(daemon.calls == ["id-ann-a tail 0 since none", "id-ann-a-next tail all since none"],
                "the new container is read from its start")
    }

    @Test func a_site_published_while_following_joins_and_a_restarted_container_goes_on_after_its_last_line()
        async throws
    {
        let (firstLog, firstFeed) = AsyncThrowingStream<LogLine, any Error>.makeStream()
        let (againLog, againFeed) = AsyncThrowingStream<LogLine, any Error>.makeStream()
        let (joinedLog, joinedFeed) = AsyncThrowingStream<LogLine, any Error>.makeStream()
        let a = FakeSites.site("a")
        let b = FakeSites.site("b")
        let daemon = FakeDaemon(sites: [a], locked: [],
                                logs: [a.container.id: [firstLog, againLog], b.container.id: [joinedLog]])
        let order = OrderRecorder()
        let reading = Task { try await daemon.follow([a], tail: 0, recordingInto: order) }

        daemon.set(sites: [a, b], locked: [])
        joinedFeed.yield(FakeSites.line("b joined", at: 3))
        try await order.wait(for: "b joined")

        // a stops during a publish that fails: the previous container is started again.
        firstFeed.yield(FakeSites.line("a before", at: 4.5))
        firstFeed.finish()
        try await order.wait(for: "a before")
        daemon.set(sites: [FakeSites.site("a", state: "exited"), b], locked: ["ann/a"])
        try await daemon.waitForSurveys(after: 3)
        daemon.set(sites: [a, b], locked: [])
        againFeed.yield(FakeSites.line("a before", at: 4.5))
        againFeed.yield(FakeSites.line("a after", at: 6))
        try await order.wait(for: "a after")

        daemon.set(sites: [], locked: [])
        againFeed.finish()
        joinedFeed.finish()
        try await reading.value
        #expect(order.items.filter { !$0.hasPrefix("<") } == ["b joined", "a before", "a after"],
                "a line shown before the restart is not shown again")
        #expect(Set(order.items.filter { $0.hasPrefix("<") }) == ["<a ended>", "<b ended>"])
        #expect(daemon.calls == ["id-ann-a tail 0 since none", "id-ann-b tail all since none",
                                 "id-ann-a tail all since 1714564804"])
    }

    @Test func a_stream_broken_off_by_its_container_s_removal_is_an_end_but_one_of_a_running_container_fails()
        async throws
    {
        let (goneLog, goneFeed) = AsyncThrowingStream<LogLine, any Error>.makeStream()
        let (brokenLog, brokenFeed) = AsyncThrowingStream<LogLine, any Error>.makeStream()
        let a = FakeSites.site("a")
        let b = FakeSites.site("b")
        let daemon = FakeDaemon(sites: [a, b], locked: [], logs: [a.container.id: [goneLog], b.container.id: [brokenLog]])
        let order = OrderRecorder()
        let reading = Task { try await daemon.follow([a, b], tail: 0, recordingInto: order) }

        // a is removed, and its stream breaks off instead of ending; b's breaks off while b still runs.
        daemon.set(sites: [b], locked: [])
        goneFeed.finish(throwing: EngineError.connectionLost(operation: "read the log", reason: "connection reset"))
        brokenFeed.finish(throwing: EngineError.connectionLost(operation: "read the log", reason: "connection reset"))
        try await order.wait(for: "<a ended>")
        try await order.wait(for: "<b failed>")
        reading.cancel()
        _ = try? await reading.value
        #expect(!order.items.contains("<a failed>"), "a removed container's log has ended, not failed: \(order.items)")
        #expect(!order.items.contains("<b ended>"))
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

extension FakeSites {
    /// The site's container under another ID: what a publish or rollback leaves it with.
    static func container(of name: String, id: String, state: String = "running") -> LocatedSite {
        var site = site(name, state: state)
        site.container.summary.id = id
        return site
    }
}

/// The hosts as surveys find them, set by a test while a follow runs, and the logs of containers, each handed out
/// once per time it is opened.
private final class FakeDaemon: Sendable {
    fileprivate struct State {
        var sites: [LocatedSite]
        var locked: Set<String>
        var logs: [String: [AsyncThrowingStream<LogLine, any Error>]]
        var calls: [String] = []
        var surveys = 0
    }
    fileprivate let state: Mutex<State>

    init(sites: [LocatedSite], locked: Set<String>, logs: [String: [AsyncThrowingStream<LogLine, any Error>]]) {
        state = Mutex(State(sites: sites, locked: locked, logs: logs))
    }

    var calls: [String] { state.withLock { $0.calls } }

    func set(sites: [LocatedSite], locked: Set<String>) {
        state.withLock {
            $0.sites = sites
            $0.locked = locked
        }
    }

    /// Waits until `count` more surveys were taken than when it was called.
    func waitForSurveys(after count: Int, timeout: Duration = .seconds(60)) async throws {
        let target = state.withLock { $0.surveys } + count
        let deadline = ContinuousClock.now + timeout
        while state.withLock({ $0.surveys }) < target {
            guard ContinuousClock.now < deadline else {
                Issue.record("fewer than \(count) surveys within \(timeout)")
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func follow(_ sites: [LocatedSite], tail: Int?, recordingInto order: OrderRecorder) async throws {
        let survey = SiteStreamSurvey(interval: .milliseconds(20)) { self.survey() }
        let options = SiteLogOptions(tail: tail, follow: true, reorderWindow: .milliseconds(50))
        let reader = SiteLogReader(sites: sites, options: options, survey: survey) { site, tail, _, since in
            self.open(site, tail: tail, since: since)
        }
        try await reader.read { event in
            switch event {
            case .value(let line): order.append(line.text)
            case .ended(let site): order.append("<\(site.identity.site) ended>")
            case .failed(let site, _): order.append("<\(site.identity.site) failed>")
            }
        }
    }
}


private extension FakeDaemon {
    func survey() -> SiteSurvey {
        let startedAt = ContinuousClock.now
        return state.withLock {
            $0.surveys += 1
            let locked = $0.locked.map { label in
                let parts = label.split(separator: "/").map(String.init)
                return SiteKey(host: FakeSites.host.name, identity: SiteIdentity(user: parts[0], site: parts[1]))
            }
            return SiteSurvey(startedAt: startedAt, sites: $0.sites, hostsAnswered: [FakeSites.host.name],
                              locked: Set(locked))
        }
    }

    func open(_ site: LocatedSite, tail: Int?, since: Int64?) -> AsyncThrowingStream<LogLine, any Error> {
        state.withLock {
            let id = site.container.id
            $0.calls.append("\(id) tail \(tail.map(String.init) ?? "all") since \(since.map(String.init) ?? "none")")
            guard var queue = $0.logs[id], !queue.isEmpty else { return FakeSites.stream([]) }
            let log = queue.removeFirst()
            $0.logs[id] = queue
            return log
        }
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
