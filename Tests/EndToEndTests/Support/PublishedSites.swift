import BerthCore
import Foundation
import Testing

extension PublishFixture {
    /// Publishes the example site under each name for this test's user, with a memory limit; the URL of each.
    func publishSites(_ names: [String], memory: String = "80m") throws -> [String: String] {
        var urls: [String: String] = [:]
        for name in names {
            let outcome = try cli().run(["publish", "sites/hello", "--user", user, "--name", name, "--memory", memory])
            try #require(outcome.status == 0, "publishing \(name): \(outcome)")
            urls[name] = outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return urls
    }

    /// Asks a site for a path nobody else asks for, so that its access-log line can be told apart.
    static func request(_ url: String, marker: String) async throws {
        _ = try await get(url + marker)
    }

    /// Waits until this user's site has logged a line holding `text`. nginx writes its access-log line after it has
    /// answered, and Docker stamps and keeps the line later still, so a request that has returned may not be in
    /// the site's log yet; on a loaded machine, not for a while.
    func waitUntilLogged(site: String, containing text: String, within timeout: Duration = .seconds(60)) async throws {
        let container = try #require(try await containers(site: site).first, "no container for \(site)")
        let deadline = ContinuousClock.now + timeout
        while true {
            var logged = false
            for try await line in engine.containerLogs(container.id) where line.text.contains(text) { logged = true }
            if logged { return }
            guard ContinuousClock.now < deadline else {
                Issue.record("\(site) did not log \(text) within \(timeout)")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
