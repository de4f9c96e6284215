/// A site being packed (to learn its digest and file manifest) while the publish asks the engine everything that
/// does not depend on them: whether it answers, the site's lock, recovery, the running version. The pack is CPU
/// work on a thread of its own and the engine's answers are waits, so the two overlap.
///
/// What is wrong with the site comes first: when the engine's side fails, `reported(over:)` waits for the pack and
/// reports its error if it has one, as when the pack ran before the engine was asked anything.
struct SitePacking: Sendable {
    struct Packed: Sendable {
        var summary: ContextSummary
        var manifest: SiteManifest
        /// When the pack ended (the pack stage's end, however long the engine's side took).
        var finished: ContinuousClock.Instant
    }

    private let task: Task<Packed, any Error>

    /// - Parameter whenPacked: runs as soon as the pack ends (a warning about its size is due then, even when the
    ///   engine's side fails); its error fails the pack.
    init(_ context: BuildContext, whenPacked: @escaping @Sendable (ContextSummary) throws -> Void = { _ in }) {
        task = Task {
            let (summary, manifest) = try await context.summaryAndManifest()
            let finished = ContinuousClock.now
            try whenPacked(summary)
            return Packed(summary: summary, manifest: manifest, finished: finished)
        }
    }

    /// The packed site; cancelling the caller stops the pack.
    var value: Packed {
        get async throws {
            try await withTaskCancellationHandler { try await task.value } onCancel: { [task] in task.cancel() }
        }
    }

    /// Stops the pack (a pack that has ended is not affected).
    func cancel() { task.cancel() }

    /// The error to report for `error`, thrown by the engine's side: the pack's own error when the pack fails too.
    /// A cancelled publish stops the pack and reports the cancellation.
    func reported(over error: any Error) async -> any Error {
        if error is CancellationError {
            task.cancel()
            return error
        }
        if case .failure(let packError) = await task.result, !(packError is CancellationError) { return packError }
        return error
    }
}
