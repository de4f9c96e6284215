import Foundation
import Testing
@testable import BerthCore

/// The running version read while the site is packed is only a guess until the site's lock is held.
@Suite("Delta prefetch: used only for the container it was read from")
struct DeltaPrefetchTests {
    static func container(id: String, image: String) throws -> ContainerInspect {
        let json = """
            {"Id": "\(id)", "Created": "2026-11-30T00:00:00Z", "Name": "/berth--alice--blog", "Image": "\(image)",
             "State": {"Status": "running", "Running": true, "ExitCode": 0}, "Config": {"Labels": {}},
             "HostConfig": {}}
            """
        return try JSONDecoder().decode(ContainerInspect.self, from: Data(json.utf8))
    }

    @Test("the same container running the same image: used; another container, or another image: not")
    func usedOnlyForItsContainer() throws {
        let prefetch = DeltaPrefetch(containerID: "c1", imageID: "sha256:a", storage: EngineStorageInfo(),
                                     image: nil, manifestArchive: nil)
        #expect(prefetch.of(try Self.container(id: "c1", image: "sha256:a")) != nil)
        #expect(prefetch.of(try Self.container(id: "c2", image: "sha256:a")) == nil,
                "another publish replaced the container meanwhile")
        #expect(prefetch.of(try Self.container(id: "c1", image: "sha256:b")) == nil)
    }
}
