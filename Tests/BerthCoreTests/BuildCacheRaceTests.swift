@testable import BerthCore
import Testing

@Suite("A build failed by an image removed under the engine's cache look-up")
struct BuildCacheRaceTests {
    static let lost = EngineError.inBand(
        operation: "build the image ann/blog:1",
        message: "unable to find image \"sha256:c18e01f583ffb450d7bc103f75eb0dee1108dc1129a2f9bccfb50177b9edcabf\"")

    @Test("is built again, with a warning each time, and succeeds when the race does not repeat")
    func retried() async throws {
        var warnings: [String] = []
        var attempts: [Int] = []
        let value = try await BuildCacheRace.retrying(warn: { warnings.append($0) }) { attempt in
            attempts.append(attempt)
            if attempt < 3 { throw Self.lost }
            return "built"
        }
        #expect(value == "built")
        #expect(attempts == [1, 2, 3])
        #expect(warnings.count == 2)
        #expect(warnings.first?.contains("attempt 2 of 3") == true)
    }

    @Test("fails with the engine's message once the attempts are used up")
    func givesUp() async throws {
        var attempts = 0
        await #expect(throws: EngineError.self) {
            try await BuildCacheRace.retrying(warn: { _ in }) { _ -> Int in
                attempts += 1
                throw Self.lost
            }
        }
        #expect(attempts == BuildCacheRace.attempts)
    }

    @Test("any other build failure is not retried", arguments: [
        EngineError.inBand(operation: "build", message: "unable to find image 'nginx:missing' locally"),
        EngineError.inBand(operation: "build", message: "COPY failed: file not found in build context"),
        EngineError.connectionLost(operation: "build", reason: "reset"),
    ])
    func notRetried(failure: EngineError) async throws {
        var attempts = 0
        await #expect(throws: EngineError.self) {
            try await BuildCacheRace.retrying(warn: { _ in }) { _ -> Int in
                attempts += 1
                throw failure
            }
        }
        #expect(attempts == 1)
    }
}
