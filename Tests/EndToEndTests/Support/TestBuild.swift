import BerthCore
import NIOCore

extension DockerEngine {
    /// Builds an image as a test's own reference or fixture, run again when dockerd's classic builder loses a
    /// cached image that another test removed meanwhile (moby#29011), as a publish does (`BuildCacheRace`).
    /// `context` makes the build context afresh for each attempt.
    func buildRetrying<Context: AsyncSequence & Sendable>(
        _ context: () throws -> Context, options: BuildOptions
    ) async throws where Context.Element == ByteBuffer {
        try await BuildCacheRace.retrying(warn: { print("test build: \($0)") }) { _ in
            for try await _ in build(context: try context(), options: options) {}
        }
    }
}
