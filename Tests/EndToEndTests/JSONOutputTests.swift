import Foundation
import Testing

/// `--json` output is one schema with a stable key order (sorted), whatever the command.
@Suite("JSON output", .timeLimit(.minutes(3)), .blockingCalls)
struct JSONOutputTests {
    /// The top-level keys of a JSON object line, in the order they appear in the text.
    static func keyOrder(of line: Substring) throws -> [String] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        return object.keys.map { key in (key, line.range(of: "\"\(key)\":")?.lowerBound) }
            .sorted { ($0.1 ?? line.endIndex) < ($1.1 ?? line.endIndex) }.map(\.0)
    }

    @Test("hosts --json: keys in sorted order, endpoint as a URL, TLS as its own field")
    func hosts() throws {
        let outcome = try BerthCLI(removing: ["BERTH_HOSTS", "DOCKER_HOST"]).run(["hosts", "--json"], timeout: 30)
        #expect(outcome.status == 0, "\(outcome)")
        let line = try #require(outcome.stdout.split(separator: "\n").first, "\(outcome)")
        let keys = try Self.keyOrder(of: line)
        #expect(keys == keys.sorted(), "\(line)")
        #expect(keys.contains("tls") && keys.contains("endpoint"), "\(line)")
        #expect(outcome.jsonLines.first?["endpoint"] as? String == "unix:///var/run/docker.sock", "\(line)")
        #expect(outcome.jsonLines.first?["tls"] as? Bool == false, "\(line)")
    }

    @Test("render --json and pack --json: keys in sorted order")
    func renderAndPack() throws {
        let cli = BerthCLI()
        let render = try cli.run(["render", "sites/hello", "--user", "json-probe", "--json"], timeout: 30)
        let pack = try cli.run(["pack", "sites/hello", "--user", "json-probe", "-o", "/dev/null", "--json"], timeout: 30)
        for outcome in [render, pack] {
            #expect(outcome.status == 0, "\(outcome)")
            let line = try #require(outcome.stdout.split(separator: "\n").first, "\(outcome)")
            let keys = try Self.keyOrder(of: line)
            #expect(keys == keys.sorted() && !keys.isEmpty, "\(line)")
        }
    }
}
