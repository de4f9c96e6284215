import Foundation

extension BackgroundBerth {
    /// Until a follower (`logs -f --tail 0`) has attached, a request's line may fall before it: asks `url` with
    /// `marker` again and again until `arrived` says the line was written, for as long as a loaded machine may take
    /// to start berth and attach. False if it never was, or the follower ended first.
    func attach(requesting url: String, marker: String, within timeout: Duration = .seconds(90),
                arrived: () throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, process.isRunning {
            try await PublishFixture.request(url, marker: marker)
            if try await Self.eventually(within: .milliseconds(500), arrived) { return true }
        }
        return false
    }

    /// Waits until standard output has a line that starts with `prefix` (a site's label) and holds `marker`.
    func writesLine(startingWith prefix: String, containing marker: String,
                    within timeout: Duration = .seconds(90)) async throws -> Bool {
        try await Self.eventually(within: timeout) {
            try stdout().split(separator: "\n").contains { $0.hasPrefix(prefix) && $0.contains(marker) }
        }
    }
}
