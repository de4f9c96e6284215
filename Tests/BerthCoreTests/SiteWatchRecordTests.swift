import BerthCore
import Foundation
import Testing

@Suite("Watch events as JSON lines (GET /v1/logs and /v1/stats)")
struct SiteWatchRecordTests {
    func roundTrip<Value: Codable & Sendable>(_ event: SiteWatchEvent<Value>) throws -> SiteWatchEvent<Value>? {
        let line = try BerthJSON.line(SiteWatchRecord(event))
        return try JSONDecoder().decode(SiteWatchRecord<Value>.self, from: Data(line.utf8)).watchEvent()
    }

    @Test("a log line and a stats sample cross as the objects --json prints, and come back the same")
    func values() throws {
        let line = SiteLogLine(identity: SiteIdentity(user: "alice", site: "blog"), host: "web1", stream: .stderr,
                               time: "2026-11-29T20:00:00.123456789Z", text: "GET / 200")
        guard case .value(let back) = try roundTrip(.value(line)) else { Issue.record("not a value"); return }
        #expect(back == line)
        let record = try JSONSerialization.jsonObject(with: BerthJSON.encode(SiteWatchRecord(.value(line)))) as? [String: Any]
        let printed = try JSONSerialization.jsonObject(with: BerthJSON.encode(line)) as? [String: Any]
        #expect((record?["value"] as? [String: Any]).map(NSDictionary.init) == printed.map(NSDictionary.init))

        let sampleJSON = #"{"cpuPercent":1.5,"host":"web1","memoryBytes":1024,"memoryLimitBytes":null,"networkRxBytes":7,"networkTxBytes":9,"site":"blog","time":"2026-11-29T20:00:00Z","user":"alice"}"#
        let sample = try JSONDecoder().decode(SiteStatsSample.self, from: Data(sampleJSON.utf8))
        #expect(String(decoding: try BerthJSON.encode(sample), as: UTF8.self) == sampleJSON, "printed as --json prints it")
        guard case .value(let sampleBack) = try roundTrip(.value(sample)) else { Issue.record("not a value"); return }
        #expect(sampleBack == sample)
    }

    @Test("located, ended and failed keep their sites; an error line is thrown with its code")
    func events() throws {
        let site = WatchedSite(user: "alice", site: "blog", host: "web1")
        let located: SiteWatchEvent<SiteLogLine> = .located(sites: [site], hosts: ["web1", "web2"], spansHosts: true,
                                                            leftOut: [HostProblemRecord(host: "web2", error: "down")])
        guard case .located(let sites, let hosts, let spans, let leftOut) = try roundTrip(located) else {
            Issue.record("not located"); return
        }
        #expect(sites == [site] && hosts == ["web1", "web2"] && spans && leftOut.first?.host == "web2")
        guard case .failed(let failed, let message) = try roundTrip(SiteWatchEvent<SiteLogLine>.failed(site, message: "gone"))
        else { Issue.record("not failed"); return }
        #expect(failed == site && message == "gone")
        let error = SiteWatchRecord<SiteLogLine>.error(BerthProblem(.notFound, "no site blog"))
        let problem = #expect(throws: BerthProblem.self) { try error.watchEvent() }
        #expect(problem?.code == .notFound && problem?.detail == "no site blog")
        #expect(LogSince.ago(.seconds(90)).queryValue == "90000ms")
        #expect(try LogSince(parsing: LogSince.ago(.milliseconds(1500)).queryValue) == .ago(.milliseconds(1500)))
    }
}
