import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C (SIGINT) and SIGTERM as a request to stop a command that would otherwise run on (`logs -f`, `stats`):
/// the signal cancels the work, which writes what it holds and returns, instead of the process dying mid-line.
/// A second signal while it winds down ends the process at once (status 130).
enum Interruption {
    /// Runs `body`; a SIGINT or SIGTERM meanwhile cancels it. Returns what `body` returns, or nil when a signal
    /// cancelled it before it could return anything.
    static func cancellingOnSignal<Value: Sendable>(
        _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value? {
        let (signals, signalled) = AsyncStream<Int32>.makeStream()
        let received = SignalCount()
        let sources = [SIGINT, SIGTERM].map { number in
            // The dispatch source sees the signal only once its default action (ending the process) is off.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if received.count.add(1, ordering: .relaxed).newValue > 1 { _exit(130) }
                signalled.yield(number)
            }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
            signalled.finish()
        }
        return try await withThrowingTaskGroup(of: Outcome<Value>.self) { group in
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

    private final class SignalCount: Sendable {
        let count = Atomic<Int>(0)
    }
}

/// Makes Ctrl-C (and, for a publish or rollback, SIGTERM as a CI runner sends when a job is cancelled) cancel the
/// work that is running (a shell command, a publish) instead of killing the process, so that the work can clean
/// up: a cancelled publish restores the version that was serving and releases its deploy lock.
final class InterruptForwarder: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Task<Void, Never>?
    private let sources: [(number: Int32, source: any DispatchSourceSignal, previous: sighandler_t?)]

    /// The shell forwards only SIGINT: a SIGTERM sent to it should still end it.
    init(signals: [Int32] = [SIGINT]) {
        var sources: [(Int32, any DispatchSourceSignal, sighandler_t?)] = []
        for number in signals {
            let previous = signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            sources.append((number, source, previous))
        }
        self.sources = sources
        for (_, source, _) in sources {
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.withLock { self.current }?.cancel()
            }
            source.resume()
        }
    }

    deinit {
        for (number, source, previous) in sources {
            source.cancel()
            signal(number, previous ?? SIG_DFL)
        }
    }

    func run(_ body: @escaping @Sendable () async -> Void) async {
        let task = Task { await body() }
        lock.withLock { current = task }
        await task.value
        lock.withLock { current = nil }
    }

    /// Runs `body`, cancelling it on Ctrl-C or SIGTERM, and passes on its result or error.
    static func cancellingOnInterrupt<Value: Sendable>(
        _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let forwarder = InterruptForwarder(signals: [SIGINT, SIGTERM])
        let outcome = OutcomeBox<Value>()
        await forwarder.run {
            do {
                outcome.result = .success(try await body())
            } catch {
                outcome.result = .failure(error)
            }
        }
        guard let result = outcome.result else { throw CancellationError() }
        return try result.get()
    }
}

private final class OutcomeBox<Value: Sendable>: @unchecked Sendable {
    var result: Result<Value, Error>?
}
