import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The process's one owner of SIGINT and SIGTERM. Whatever wants a signal (a shell waiting at its prompt, a shell
/// running a command, `logs -f` inside that command) adds a handler; a signal goes to the newest handler that takes
/// it, which may pass it on to the one below. With no handler left, the signal ends the process with status
/// 128 + the signal's number, as its default action would be reported.
///
/// One owner, because the shell runs commands that want the same signals: before it, each installed its own
/// dispatch source and put back the default action when done, so that Ctrl-C at the prompt after `logs -f` ended
/// the shell.
final class SignalRouter: Sendable {
    static let shared = SignalRouter()

    /// What a handler does with a signal.
    enum Disposition {
        case handled
        /// Let the handler below (or, with none, the default action) have it.
        case passedOn
    }

    typealias Handler = @Sendable (Int32) -> Disposition

    struct Registration: Sendable {
        fileprivate let id: Int
    }

    private struct Entry {
        var id: Int
        var signals: Set<Int32>
        var handler: Handler
    }

    private struct State {
        var entries: [Entry] = []
        var nextID = 0
        var sources: [Int32: any DispatchSourceSignal] = [:]
    }

    private let state = Mutex(State())

    /// Adds `handler` for `signals` on top of the others; it gets them until `remove` is called.
    func add(_ signals: Set<Int32>, _ handler: @escaping Handler) -> Registration {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.entries.append(Entry(id: id, signals: signals, handler: handler))
            for number in signals where state.sources[number] == nil {
                // The dispatch source sees the signal only once its default action (ending the process) is off;
                // the source stays for the process's life and `deliver` stands in for the default action.
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { [unowned self] in self.deliver(number) }
                source.resume()
                state.sources[number] = source
            }
            return Registration(id: id)
        }
    }

    func remove(_ registration: Registration) {
        state.withLock { $0.entries.removeAll { $0.id == registration.id } }
    }

    /// Runs `body` with `handler` added for `signals`.
    func with<Value>(_ signals: Set<Int32>, _ handler: @escaping Handler,
                     _ body: () async throws -> Value) async rethrows -> Value {
        let registration = add(signals, handler)
        defer { remove(registration) }
        return try await body()
    }

    private func deliver(_ number: Int32) {
        let handlers = state.withLock { state in
            state.entries.reversed().filter { $0.signals.contains(number) }.map(\.handler)
        }
        for handler in handlers {
            if case .handled = handler(number) { return }
        }
        // Ends the process as a shell reports a death by this signal (130 for SIGINT). Not `raise`: the dispatch
        // sources that see signals keep them blocked in every thread, so a raised signal would only stay pending.
        _exit(128 + number)
    }
}
