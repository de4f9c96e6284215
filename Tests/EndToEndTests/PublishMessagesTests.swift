import BerthCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What publish and hosts say before anything is built: a memory limit the host cannot give, a context far too
/// large for a static site, and where the hosts came from.
@Suite("Messages before building, on the real Docker Engine", .serialized, .blockingCalls)
struct PublishMessagesTests {
    @Test("a 101 MiB file is warned about by name; --memory above the host is refused before building",
          .timeLimit(.minutes(5)))
    func memoryAndSize() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            let big = site + "/video/raw-disk.img"
            try FileManager.default.createDirectory(atPath: site + "/video", withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: big, contents: nil)
            #expect(truncate(big, 101 << 20) == 0)
            let total = try await fixture.engine.info().memoryTotal

            let outcome = try fixture.cli().run(["publish", site, "--user", fixture.user, "--memory", "9999g"],
                                                timeout: 60)
            #expect(outcome.status != 0, "\(outcome)")
            #expect(outcome.stderr.contains("the biggest files: video/raw-disk.img (101 MiB). "), "\(outcome)")
            #expect(outcome.stderr.contains("a memory limit of 9.8 TiB is more than the host can give: local has "
                + "\(ReadableUnits.bytes(total)) of memory"), "\(outcome)")
            #expect(try await fixture.engine.listImages(labelFilters: ["\(BerthLabel.user)=\(fixture.user)"]).isEmpty,
                    "nothing was built")
            #expect(try await fixture.containers().isEmpty)
        }
    }

    @Test("hosts and -v say where the hosts came from", .timeLimit(.minutes(3)))
    func inventorySource() throws {
        let file = NSTemporaryDirectory() + "/berth-e2e-hosts-\(UUID().uuidString).yml"
        try "hosts:\n  local:\n    docker: unix:///var/run/docker.sock\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let cli = BerthCLI(removing: ["BERTH_HOSTS", "DOCKER_HOST"])
        let json = try cli.run(["hosts", "--hosts", file, "--json", "-v"], timeout: 30)
        #expect(json.status == 0, "\(json)")
        #expect(json.stderr.contains("hosts from \(file) (--hosts)"), "\(json)")
        #expect(json.jsonLines.first?["inventory"] as? String == "hosts from \(file) (--hosts)", "\(json)")
        let table = try cli.run(["hosts"], timeout: 30)
        #expect(table.stdout.contains("(no hosts file: the local host on unix:///var/run/docker.sock)"), "\(table)")
    }
}
