import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Standard output, whose reader may go away (`berth sites --json | head -1`). berth then ends quietly, as other
/// command-line tools do when SIGPIPE ends them: no message, no backtrace, the status a shell shows as 141.
///
/// SIGPIPE itself is ignored (NIO ignores it anyway once a socket opens), so that a closed output is seen as a
/// failed write and berth decides what to do: a command that only reports ends at once; a publish or rollback,
/// which must not stop between taking a version down and bringing one up, finishes its work without output and
/// ends quietly afterwards (see `finishingWorkWhenClosed`).
enum StandardOutput {
    private static let closed = Atomic<Bool>(false)
    private static let finishingWork = Atomic<Bool>(false)

    /// Called once, before anything is written.
    static func prepare() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// From now on a closed standard output lets the running work finish; `endIfClosed()` then ends the process.
    static func finishingWorkWhenClosed() {
        finishingWork.store(true, ordering: .relaxed)
    }

    static func write(_ text: String) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    static func write(_ bytes: UnsafeRawBufferPointer) {
        guard !closed.load(ordering: .relaxed) else { return }
        do throws(DescriptorWriteError) {
            try writeAll(bytes, to: STDOUT_FILENO)
        } catch {
            closed.store(true, ordering: .relaxed)
            guard error.code == EPIPE else {
                // Standard output that fails otherwise (a full disk): say so, on standard error, and stop.
                Console.error("cannot write to standard output: \(error.reason)")
                exit(ExitStatus.failure.rawValue)
            }
            if !finishingWork.load(ordering: .relaxed) { endQuietly() }
        }
    }

    /// Ends the process quietly when its standard output was closed while it worked.
    static func endIfClosed() {
        if closed.load(ordering: .relaxed) { endQuietly() }
    }

    /// Ends the process as SIGPIPE's default action does.
    static func endQuietly() -> Never {
        signal(SIGPIPE, SIG_DFL)
        raise(SIGPIPE)
        _exit(128 + SIGPIPE)
    }
}
