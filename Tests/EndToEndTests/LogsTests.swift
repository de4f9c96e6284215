import BerthCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `berth logs` against sites published on the real Docker Engine; nginx writes an access-log line per request.
@Suite("Logs of published sites", .serialized, .timeLimit(.minutes(10)), .blockingCalls)
struct LogsTests {
    @Test("logs --all: both sites' lines, interleaved in time order, each with its site")
    func allSitesInTimeOrder() async throws {
        try await PublishFixture.run { fixture in
            let urls = try fixture.publishSites(["alpha", "beta"])
            let markers = (1...3).flatMap { round in ["alpha", "beta"].map { "\($0)-\(round)-\(UUID().uuidString.prefix(8))" } }
            // Each request's line is in its site's log before the next request is made: Docker stamps a line when it
            // takes it in, and two containers' lines are taken in independently, so a fixed pause between requests
            // would not keep the stamps in request order on a loaded machine.
            for marker in markers {
                let site = String(marker.prefix { $0 != "-" })
                try await PublishFixture.request(urls[site]!, marker: marker)
                try await fixture.waitUntilLogged(site: site, containing: marker)
            }

            let json = try fixture.cli().run(["logs", "--all", "--user", fixture.user, "--json"])
            #expect(json.status == 0, "\(json)")
            let lines = json.jsonLines
            #expect(Set(lines.compactMap { $0["site"] as? String }) == ["alpha", "beta"])
            #expect(lines.allSatisfy { $0["user"] as? String == fixture.user && $0["host"] as? String == "local" })
            #expect(lines.allSatisfy { ["stdout", "stderr"].contains($0["stream"] as? String) })
            let times = lines.map { ($0["time"] as? String).flatMap(LogTime.init(rfc3339:)) }
            #expect(times.allSatisfy { $0 != nil }, "every line carries Docker's timestamp")
            let stamps = times.compactMap { $0 }
            #expect(zip(stamps, stamps.dropFirst()).allSatisfy { $0 <= $1 }, "timestamps never go back: \(json.stdout)")
            let texts = lines.compactMap { $0["text"] as? String }
            let seen = markers.compactMap { marker in texts.firstIndex { $0.contains(marker) }.map { (marker, $0) } }
            #expect(seen.map(\.0) == markers, "the requests appear in the order they were made: \(json.stdout)")
            for (marker, index) in seen {
                #expect(lines[index]["site"] as? String == String(marker.prefix { $0 != "-" }))
            }

            let text = try fixture.cli().run(["logs", "--all", "--user", fixture.user, "--timestamps"])
            #expect(text.status == 0, "\(text)")
            let textLines = text.stdout.split(separator: "\n").map(String.init)
            #expect(textLines.count == lines.count)
            #expect(textLines.contains { $0.hasPrefix("\(fixture.user)/alpha | ") })
            #expect(textLines.contains { $0.hasPrefix("\(fixture.user)/beta  | ") }, "labels are padded to line up")
            #expect(textLines.allSatisfy { line in
                line.hasPrefix("\(fixture.user)/alpha") || line.hasPrefix("\(fixture.user)/beta")
            })
            let last = try #require(markers.last)
            #expect(textLines.last?.contains(last) == true)
        }
    }

    @Test("logs SITE --tail 1: the site's last line only; --since in the future: nothing")
    func oneSiteTail() async throws {
        try await PublishFixture.run { fixture in
            let urls = try fixture.publishSites(["alpha", "beta"])
            let marker = "tail-\(UUID().uuidString.prefix(8))"
            try await PublishFixture.request(urls["alpha"]!, marker: marker + "-first")
            try await PublishFixture.request(urls["alpha"]!, marker: marker + "-last")
            try await PublishFixture.request(urls["beta"]!, marker: marker + "-beta")
            try await fixture.waitUntilLogged(site: "alpha", containing: marker + "-last")

            let tail = try fixture.cli().run(["logs", "alpha", "--user", fixture.user, "--tail", "1"])
            #expect(tail.status == 0, "\(tail)")
            let lines = tail.stdout.split(separator: "\n")
            #expect(lines.count == 1, "\(tail)")
            #expect(lines.first?.hasPrefix("\(fixture.user)/alpha | ") == true)
            #expect(lines.first?.contains(marker + "-last") == true)

            let recent = try fixture.cli().run(["logs", "alpha", "--user", fixture.user, "--since", "10m", "--json"])
            #expect(recent.status == 0, "\(recent)")
            #expect(recent.jsonLines.contains { ($0["text"] as? String)?.contains(marker + "-first") == true })
            #expect(recent.jsonLines.allSatisfy { $0["site"] as? String == "alpha" })

            let future = try fixture.cli().run(["logs", "alpha", "--user", fixture.user, "--since", "2999-01-01T00:00:00Z"])
            #expect(future.status == 0, "\(future)")
            #expect(future.stdout.isEmpty)
        }
    }

    @Test("--all-hosts: each line names its host; a host that does not answer is a warning and exit status 1")
    func severalHosts() async throws {
        try await PublishFixture.run { fixture in
            let urls = try fixture.publishSites(["alpha"])
            // A line of alpha's for --tail 1 to show, already in its log.
            let marker = "hosts-\(UUID().uuidString.prefix(8))"
            try await PublishFixture.request(urls["alpha"]!, marker: marker)
            try await fixture.waitUntilLogged(site: "alpha", containing: marker)
            // Two names for the one local engine, and a host nobody answers on.
            let inventory = NSTemporaryDirectory() + "/berth-e2e-hosts-\(UUID().uuidString).yml"
            defer { unlink(inventory) }
            try """
                hosts:
                  local:
                    docker: unix:///var/run/docker.sock
                  again:
                    docker: unix:///var/run/docker.sock
                  gone:
                    docker: tcp://127.0.0.1:1
                """.write(toFile: inventory, atomically: true, encoding: .utf8)

            let outcome = try fixture.cli().run([
                "logs", "--all", "--all-hosts", "--hosts", inventory, "--user", fixture.user, "--tail", "1",
            ])
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.stderr.contains("berth: warning: host gone is left out"), "\(outcome)")
            let lines = outcome.stdout.split(separator: "\n")
            #expect(lines.count == 2, "\(outcome)")
            #expect(lines.contains { $0.hasPrefix("\(fixture.user)/alpha@local | ") }, "\(outcome)")
            #expect(lines.contains { $0.hasPrefix("\(fixture.user)/alpha@again | ") }, "\(outcome)")

            let oneHost = try fixture.cli().run(["logs", "alpha", "--hosts", inventory, "--host", "gone"])
            #expect(oneHost.status == 1)
            #expect(oneHost.stderr.contains("Cannot reach the Docker daemon at tcp://127.0.0.1:1"), "\(oneHost)")
        }
    }

    @Test("a site that does not exist, or a --since that is not a time, is a clear error")
    func mistakes() async throws {
        try await PublishFixture.run { fixture in
            let missing = try fixture.cli().run(["logs", "no-such-site", "--user", fixture.user])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("no site \(fixture.user)/no-such-site on local"), "\(missing)")

            let badSince = try fixture.cli().run(["logs", "--all", "--since", "yesterday"])
            #expect(badSince.status == 64)
            #expect(badSince.stderr.contains("--since 'yesterday'"), "\(badSince)")

            let neither = try fixture.cli().run(["logs"])
            #expect(neither.status == 64)
            #expect(neither.stderr.contains("--all"), "\(neither)")
        }
    }

    @Test("logs --all -f: a new request's line arrives within seconds; a removed site ends alone; Ctrl-C exits 0")
    func follow() async throws {
        try await PublishFixture.run { fixture in
            let urls = try fixture.publishSites(["alpha", "beta"])
            let outputFile = NSTemporaryDirectory() + "/berth-e2e-follow-\(UUID().uuidString).log"
            defer { unlink(outputFile) }
            try "an earlier line\n".write(toFile: outputFile, atomically: true, encoding: .utf8)
            let follower = try BackgroundBerth(fixture.cli(), [
                "logs", "--all", "--user", fixture.user, "-f", "--tail", "0", "--output", outputFile,
            ])
            func written() throws -> String { try String(contentsOfFile: outputFile, encoding: .utf8) }

            let marker = "follow-\(UUID().uuidString.prefix(8))"
            let arrived = try await follower.attach(requesting: urls["beta"]!, marker: marker) {
                try written().contains(marker)
            }
            #expect(arrived, "the followed line did not arrive: \(follower.description)")
            #expect(try written().hasPrefix("an earlier line\n"), "--output appends")
            #expect(try written().contains("\(fixture.user)/beta  | "))

            let alpha = try #require(try await fixture.containers(site: "alpha").first)
            try await fixture.engine.removeContainer(alpha.id, force: true)
            let ended = try await BackgroundBerth.eventually(within: .seconds(60)) {
                try follower.stderr().contains("\(fixture.user)/alpha ended")
            }
            #expect(ended, "\(follower.description)")
            #expect(follower.process.isRunning, "the other site is still followed")

            let after = "after-removal-\(UUID().uuidString.prefix(8))"
            try await PublishFixture.request(urls["beta"]!, marker: after)
            let stillFollowing = try await BackgroundBerth.eventually(within: .seconds(60)) {
                try written().contains(after)
            }
            #expect(stillFollowing, "\(follower.description)")

            let status = try await follower.stop(with: SIGINT)
            #expect(status == 0, "Ctrl-C ends a follow with status 0: \(follower.description)")
        }
    }

    @Test("logs SITE -f goes on across a republish: the new version's lines follow under the same site")
    func followAcrossRepublish() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite("alpha")
            defer { try? FileManager.default.removeItem(atPath: (site as NSString).deletingLastPathComponent) }
            let publish = { try fixture.cli().run(["publish", site, "--user", fixture.user, "--name", "alpha"]) }
            let first = try publish()
            try #require(first.status == 0, "\(first)")
            let url = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let before = try #require(try await fixture.containers(site: "alpha").first)
            let follower = try BackgroundBerth(fixture.cli(),
                                               ["logs", "alpha", "--user", fixture.user, "-f", "--tail", "0"])

            let attachMarker = "before-\(UUID().uuidString.prefix(8))"
            let attached = try await follower.attach(requesting: url, marker: attachMarker) {
                try follower.stdout().contains(attachMarker)
            }
            try #require(attached, "the first version's line did not arrive: \(follower.description)")

            let version = "second version \(UUID().uuidString.prefix(8))"
            try "<!doctype html><title>\(version)</title>\n".write(toFile: site + "/index.html", atomically: true,
                                                                 encoding: .utf8)
            let second = try publish()
            try #require(second.status == 0, "\(second)")
            let after = try #require(try await fixture.containers(site: "alpha").first)
            #expect(after.id != before.id, "the republish replaced the container")
            #expect(try await PublishFixture.get(url).body.contains(version), "the new version serves")

            let marker = "after-\(UUID().uuidString.prefix(8))"
            try await PublishFixture.request(url, marker: marker)
            #expect(try await follower.writesLine(startingWith: "\(fixture.user)/alpha | ", containing: marker),
                    "the new version's line did not arrive: \(follower.description)")
            #expect(follower.process.isRunning, "the follow goes on: \(follower.description)")
            #expect(try !follower.stderr().contains("\(fixture.user)/alpha ended"),
                    "no end for a replaced container: \(follower.description)")
            #expect(try await follower.stop(with: SIGINT) == 0, "\(follower.description)")
        }
    }

    @Test("logs --all -f takes in a site published after it started")
    func followJoinsNewSite() async throws {
        try await PublishFixture.run { fixture in
            let urls = try fixture.publishSites(["alpha"])
            let follower = try BackgroundBerth(fixture.cli(),
                                               ["logs", "--all", "--user", fixture.user, "-f", "--tail", "0"])
            let attachMarker = "alpha-\(UUID().uuidString.prefix(8))"
            let attached = try await follower.attach(requesting: urls["alpha"]!, marker: attachMarker) {
                try follower.stdout().contains(attachMarker)
            }
            try #require(attached, "alpha's line did not arrive: \(follower.description)")

            let beta = try fixture.publishSites(["beta"])["beta"]!
            let marker = "joined-\(UUID().uuidString.prefix(8))"
            try await PublishFixture.request(beta, marker: marker)
            #expect(try await follower.writesLine(startingWith: "\(fixture.user)/beta ", containing: marker),
                    "the new site's line did not arrive: \(follower.description)")
            #expect(try await follower.stop(with: SIGINT) == 0, "\(follower.description)")
        }
    }
}
