import Foundation
import Testing
@testable import BerthCore

@Suite("Sites, versions and rollback: the decisions without a daemon")
struct SiteOperationsTests {
    static let identity = SiteIdentity(user: "alice", site: "blog")

    /// Versions newest first, as `SiteLocator.history` orders them; `current` marks the one the container uses.
    static func history(_ names: [String], current: String?, running: Bool = true) -> SiteHistory {
        let versions = names.enumerated().map { index, name in
            SiteVersion(version: name, imageID: "sha256:\(name)",
                        created: Date(timeIntervalSince1970: Double(100 - index)), size: 1,
                        tags: ["alice/blog:\(name)"], current: name == current, running: name == current && running)
        }
        return SiteHistory(host: "web2", identity: identity, container: nil, versions: versions)
    }

    @Test("rollback goes to the newest version older than the current one")
    func defaultRollbackTarget() throws {
        #expect(try Self.history(["c", "b", "a"], current: "c").rollbackTarget(requested: nil).version == "b")
        #expect(try Self.history(["c", "b", "a"], current: "b").rollbackTarget(requested: nil).version == "a")
        let stopped = Self.history(["c", "b", "a"], current: "b", running: false)
        #expect(try stopped.rollbackTarget(requested: nil).version == "a")
    }

    @Test("an earlier version with the same image as the current one is skipped")
    func sameImageSkipped() throws {
        var history = Self.history(["c", "b", "a"], current: "c")
        history.versions[1].imageID = history.versions[0].imageID
        #expect(try history.rollbackTarget(requested: nil).version == "a")
    }

    @Test("--to picks that version, even a newer one")
    func requestedTarget() throws {
        let history = Self.history(["c", "b", "a"], current: "a")
        #expect(try history.rollbackTarget(requested: "c").version == "c")
        #expect(try history.rollbackTarget(requested: "a").version == "a")
    }

    @Test("a version that is not kept, no earlier version, and no current version are errors that say what to do")
    func rollbackErrors() {
        let history = Self.history(["c", "b"], current: "b")
        let notKept = SiteOperationError.versionNotKept(Self.identity, host: "web2", version: "x", kept: ["c", "b"])
        #expect(throws: notKept) {
            try history.rollbackTarget(requested: "x")
        }
        #expect(throws: SiteOperationError.noEarlierVersion(Self.identity, host: "web2", current: "b")) {
            try history.rollbackTarget(requested: nil)
        }
        #expect(throws: SiteOperationError.noCurrentVersion(Self.identity, host: "web2", kept: ["c", "b"])) {
            try Self.history(["c", "b"], current: nil).rollbackTarget(requested: nil)
        }
        let message = notKept.description
        #expect(message.contains("alice/blog") && message.contains("web2") && message.contains("kept versions: c, b"))
    }

    @Test("a version marked pending (built, never seen serving) is never the default rollback target; --to may name it")
    func pendingSkipped() throws {
        var history = Self.history(["d", "c", "b", "a"], current: "c")
        history.versions[2].pending = true
        #expect(try history.rollbackTarget(requested: nil).version == "a")
        #expect(try history.rollbackTarget(requested: "b").version == "b")
    }

    @Test("the pending tag marks a version pending and is not one of its names")
    func pendingFromTags() {
        let image = ImageSummary(id: "sha256:3", repoTags: ["alice/blog:three", "berth-pending/alice/blog:three"],
                                 created: 3, size: 1,
                                 labels: [BerthLabel.site: "blog", BerthLabel.user: "alice",
                                          BerthLabel.version: "three"])
        let version = SiteLocator.versions(of: [image], container: nil).first
        #expect(version?.pending == true)
        #expect(version?.tags == ["alice/blog:three"])
        #expect(version?.reference(for: Self.identity) == "alice/blog:three")
    }

    @Test("pruning keeps the newest N and never the version in use")
    func pruning() {
        let history = Self.history(["d", "c", "b", "a"], current: "d")
        #expect(history.versionsBeyond(keep: 2).map(\.version) == ["b", "a"])
        #expect(history.versionsBeyond(keep: 4).isEmpty)
        #expect(history.versionsBeyond(keep: 9).isEmpty)
        let rolledBack = Self.history(["d", "c", "b", "a"], current: "a")
        #expect(rolledBack.versionsBeyond(keep: 2).map(\.version) == ["b"])
        #expect(rolledBack.versionsBeyond(keep: 1).map(\.version) == ["c", "b"])
    }

    @Test("versions are ordered newest first and the container's image is marked current and running")
    func versionsFromImages() {
        func image(_ id: String, version: String, created: Int64) -> ImageSummary {
            ImageSummary(id: id, repoTags: ["alice/blog:\(version)"], created: created, size: 10,
                         labels: [BerthLabel.site: "blog", BerthLabel.user: "alice", BerthLabel.version: version,
                                  BerthLabel.server: "nginx"])
        }
        let summary = ContainerSummary(id: "c1", names: ["/berth-alice-blog"], image: "alice/blog:two",
                                       imageID: "sha256:2", created: 0, state: "running", status: "Up", labels: nil,
                                       ports: nil)
        let container = SiteContainer(host: DockerHost(name: "local", endpoint: .defaultLocal), identity: Self.identity,
                                      summary: summary)
        let versions = SiteLocator.versions(
            of: [image("sha256:1", version: "one", created: 10), image("sha256:3", version: "three", created: 30),
                 image("sha256:2", version: "two", created: 20)],
            container: container)
        #expect(versions.map(\.version) == ["three", "two", "one"])
        #expect(versions.map(\.running) == [false, true, false])
        #expect(versions[1].server == "nginx")
    }

    @Test("a version runs by its tag, with the registry prefix it was pushed under, else by its image ID")
    func versionReference() {
        var version = SiteVersion(version: "v1", imageID: "sha256:abc", created: Date(), size: 0,
                                  tags: ["127.0.0.1:5000/alice/blog:v1", "127.0.0.1:5000/alice/blog:latest"])
        #expect(version.reference(for: Self.identity) == "127.0.0.1:5000/alice/blog:v1")
        version.tags = ["alice/blog:v1"]
        #expect(version.reference(for: Self.identity) == "alice/blog:v1")
        version.tags = ["malice/blog:v1"]
        #expect(version.reference(for: Self.identity) == "sha256:abc")
    }

    @Test("uptime and sizes read like a person writes them")
    func readableUnits() {
        #expect(ReadableUnits.duration(seconds: 0) == "0s")
        #expect(ReadableUnits.duration(seconds: 45) == "45s")
        #expect(ReadableUnits.duration(seconds: 7 * 60 + 3) == "7m 3s")
        #expect(ReadableUnits.duration(seconds: 5 * 3600 + 12 * 60 + 9) == "5h 12m")
        #expect(ReadableUnits.duration(seconds: 3 * 86_400 + 4 * 3600 + 59) == "3d 4h")
        #expect(ReadableUnits.duration(seconds: -5) == "0s")
        #expect(ReadableUnits.bytes(512) == "512 B")
        #expect(ReadableUnits.bytes(64 << 20) == "64 MiB")
        #expect(ReadableUnits.bytes(3_250_000) == "3.1 MiB")
        #expect(ReadableUnits.bytes(3 << 29) == "1.5 GiB")
    }

    @Test("Docker's timestamps: nanoseconds, whole seconds, offsets, and the zero time of a container never started")
    func timestamps() throws {
        let nano = try #require(EngineTimestamp.parse("2026-11-23T08:30:30.123456789Z"))
        let whole = try #require(EngineTimestamp.parse("2026-11-23T08:30:30Z"))
        #expect(abs(nano.timeIntervalSince(whole) - 0.123456789) < 0.000_001)
        #expect(whole.timeIntervalSince1970 == 1_795_422_630)
        let offset = try #require(EngineTimestamp.parse("2026-11-23T09:30:30.5+01:00"))
        #expect(offset.timeIntervalSince(whole) == 0.5)
        #expect(EngineTimestamp.parse("0001-01-01T00:00:00Z") == nil)
        #expect(EngineTimestamp.parse("yesterday") == nil)
        #expect(EngineTimestamp.parse("2026-11-23T08:30:30.Z") == nil)
    }

    @Test("Docker's container states in berth's words")
    func states() {
        #expect(SiteState(dockerState: "running") == .running)
        #expect(SiteState(dockerState: "exited") == .stopped)
        #expect(SiteState(dockerState: "created") == .stopped)
        #expect(SiteState(dockerState: "restarting") == .restarting)
    }
}
