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
}
