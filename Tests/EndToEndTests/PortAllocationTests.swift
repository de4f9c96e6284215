import BerthCore
import Foundation
import Testing

/// Host ports as README "Run" and the inventory's `ports:` promise them, on the real engine.
@Suite("Port allocation", .serialized, .timeLimit(.minutes(10)), .blockingCalls)
struct PortAllocationTests {
    /// An inventory of the local engine alone whose `ports:` range is four ports from `base`.
    static func inventory(ports base: Int) throws -> String {
        let path = NSTemporaryDirectory() + "/berth-e2e-hosts-\(UUID().uuidString).yml"
        try "hosts:\n  local:\n    docker: unix:///var/run/docker.sock\n    ports: \(base)-\(base + 3)\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Publishes a copy of the example site called `name` (its home page saying `text`, else `name`) and returns
    /// its port.
    static func publish(_ name: String, saying text: String? = nil, _ fixture: PublishFixture, inventory: String,
                        _ extra: [String] = [], berthYML: String? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int {
        let site = try fixture.copyOfSite(name)
        try OperateTests.write(text ?? name, to: site)
        if let berthYML { try berthYML.write(toFile: site + "/berth.yml", atomically: true, encoding: .utf8) }
        let outcome = try fixture.cli().run(
            ["publish", site, "--hosts", inventory, "--user", fixture.user, "--json"] + extra)
        try #require(outcome.status == 0, "\(outcome)", sourceLocation: sourceLocation)
        let url = try #require(outcome.result?["url"] as? String, "\(outcome)", sourceLocation: sourceLocation)
        #expect(await OperateTests.serves(url)?.contains(text ?? name) == true, "\(url) serves \(name)",
                sourceLocation: sourceLocation)
        return try #require(URL(string: url)?.port, "\(url)", sourceLocation: sourceLocation)
    }

    @Test("--port auto takes the lowest free port of the inventory's range; a site keeps its port; a stopped site holds its own; --port N and berth.yml's port: are used as given")
    func allocation() async throws {
        try await PublishFixture.run { fixture in
            // A range no other test uses: ports picked at random, tens apart.
            let base = 41_000 + 20 * Int.random(in: 0..<400)
            let inventory = try Self.inventory(ports: base)

            #expect(try await Self.publish("first", fixture, inventory: inventory) == base)
            #expect(try await Self.publish("second", fixture, inventory: inventory) == base + 1)

            let stopped = try fixture.cli().run(["stop", "first", "--hosts", inventory, "--user", fixture.user])
            #expect(stopped.status == 0, "\(stopped)")
            #expect(try await Self.publish("third", fixture, inventory: inventory) == base + 2,
                    "the stopped site keeps its port, so the next site does not take it")

            // Republished with new content: its own port, not the lowest free one (base + 3).
            #expect(try await Self.publish("second", saying: "second, again", fixture, inventory: inventory) == base + 1)

            #expect(try await Self.publish("fixed", fixture, inventory: inventory, ["--port", "\(base + 10)"]) == base + 10)
            #expect(try await Self.publish("configured", fixture, inventory: inventory,
                                           berthYML: "port: \(base + 11)\n") == base + 11)
            #expect(try await Self.publish("last", fixture, inventory: inventory) == base + 3,
                    "ports outside the range do not count against it")

            let started = try fixture.cli().run(["start", "first", "--hosts", inventory, "--user", fixture.user])
            #expect(started.status == 0, "\(started)")
            #expect(started.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "http://127.0.0.1:\(base)/")

            let site = try fixture.copyOfSite("overflow")
            let full = try fixture.cli().run(["publish", site, "--hosts", inventory, "--user", fixture.user])
            #expect(full.status == 1, "every port of the range is taken: \(full)")
            #expect(full.stderr.contains("\(base)-\(base + 3)"), "the message names the range: \(full)")
        }
    }
}
