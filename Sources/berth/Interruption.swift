import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C (SIGINT) and SIGTERM as a request to stop a command that would otherwise run on (`logs -f`, `stats`):
/// the signal cancels the work, which writes what it holds and returns, instead of the process dying mid-line.
/// A second signal while it winds down is passed on: at top level it ends the process; in the shell it goes to the
/// shell, which stops the command.
enum Interruption {
    /// Runs `body`; a SIGINT or SIGTERM meanwhile cancels it. Returns what `body` returns, or nil when a signal
    /// cancelled it before it could return anything.
    static func cancellingOnSignal<Value: Sendable>(
        _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value? {
        let (signals, signalled) = AsyncStream<Int32>.makeStream()
        let received = SignalCount()
        defer { signalled.finish() }
        return try await SignalRouter.shared.with([SIGINT, SIGTERM], { number in
            guard received.count.add(1, ordering: .relaxed).newValue == 1 else { return .passedOn }
            signalled.yield(number)
            return .handled
        }) {
            try await withThrowingTaskGroup(of: Outcome<Value>.self) { group in
                group.addTask { .finished(try await body()) }
                group.addTask {
                    for await _ in signals { return .signalled }
                    return .notSignalled
                }
                var value: Value?
                while let outcome = try await nextIgnoringCancellation(&group) {
                    switch outcome {
                    case .finished(let result):
                        value = result
                        signalled.finish()
                        group.cancelAll()
                    case .signalled:
                        group.cancelAll()
                    case .notSignalled:
                        break
                    }
                }
                return value
            }
        }
    }

    private final class SignalCount: Sendable {
        let count = Atomic<Int>(0)
    }

    private enum Outcome<Value: Sendable>: Sendable {
        case finished(Value)
        case signalled
        /// The body finished first and the wait for a signal was called off.
        case notSignalled
    }

    /// The next outcome; a body that ends by throwing `CancellationError` because a signal cancelled it has
    /// simply stopped.
    private static func nextIgnoringCancellation<Value>(
        _ group: inout ThrowingTaskGroup<Outcome<Value>, any Error>
    ) async throws -> Outcome<Value>? {
        do {
            return try await group.next()
        } catch is CancellationError where group.isCancelled {
            return .signalled
        }
    }
}

/// Makes Ctrl-C (and, for a publish or rollback, SIGTERM as a CI runner sends when a job is cancelled) cancel the
/// work that is running (a shell command, a publish) instead of killing the process, so that the work can clean
/// up: a cancelled publish restores the version that was serving and releases its deploy lock.
final class InterruptForwarder: Sendable {
    private let current = Mutex<Task<Void, Never>?>(nil)
    private let idle: (@Sendable () -> Void)?
    private let registration = Mutex<SignalRouter.Registration?>(nil)

    /// The shell forwards only SIGINT (a SIGTERM sent to it should still end it), and has `idle` called for a
    /// Ctrl-C while no command runs (at its prompt).
    init(signals: Set<Int32> = [SIGINT], idle: (@Sendable () -> Void)? = nil) {
        self.idle = idle
        let added = SignalRouter.shared.add(signals) { [weak self] _ in
            guard let self else { return .passedOn }
            if let task = self.current.withLock({ $0 }) {
                task.cancel()
            } else if let idle = self.idle {
                idle()
            } else {
                return .passedOn
            }
            return .handled
        }
        registration.withLock { $0 = added }
    }

    deinit {
        if let registration = registration.withLock({ $0 }) { SignalRouter.shared.remove(registration) }
    }

    func run(_ body: @escaping @Sendable () async -> Void) async {
        let task = Task { await body() }
        current.withLock { $0 = task }
        await task.value
        current.withLock { $0 = nil }
    }

    /// Runs `body`, cancelling it on Ctrl-C or SIGTERM, and passes on its result or error.
    static func cancellingOnInterrupt<Value: Sendable>(
        _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        StandardOutput.finishingWorkWhenClosed()
        let forwarder = InterruptForwarder(signals: [SIGINT, SIGTERM])
        let outcome = OutcomeBox<Value>()
        await forwarder.run {
            do {
                let value = try await body()
                outcome.result.withLock { $0 = .success(value) }
            } catch {
                outcome.result.withLock { $0 = .failure(error) }
            }
        }
        guard let result = outcome.result.withLock({ $0 }) else { throw CancellationError() }
        return try result.get()
    }
}

private final class OutcomeBox<Value: Sendable>: Sendable {
    let result = Mutex<Result<Value, Error>?>(nil)
}
