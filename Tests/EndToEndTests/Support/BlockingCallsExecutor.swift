import Dispatch
import Testing

/// Runs a test's tasks on threads that may block. The end-to-end tests wait for child processes (`BerthCLI.run`,
/// `ChildProcess.run`) synchronously; on Swift's cooperative pool, two threads on two cores, a few such waits at once
/// hold every thread, and the other tests' tasks, sleeps and time-outs stop until one ends. A concurrent dispatch
/// queue is not capped that way: when its threads block, dispatch starts more.
final class BlockingCallsExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = BlockingCallsExecutor()
    private let queue = DispatchQueue(label: "berth.end-to-end.blocking-calls", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// A suite whose tests block threads on child processes (every end-to-end suite): they run on
/// `BlockingCallsExecutor`. How many tests run at once is capped by `scripts/test`, not by the pool.
struct BlockingCallsTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(BlockingCallsExecutor.shared) { try await function() }
    }
}

extension Trait where Self == BlockingCallsTrait {
    /// Run on threads that may block (see `BlockingCallsExecutor`).
    static var blockingCalls: Self { Self() }
}
