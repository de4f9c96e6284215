import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Reads the shell's command lines. On a terminal it is libedit's line editor (through its readline-compatible
/// interface, loaded at run time by `EditLineLibrary`): cursor keys, Emacs keys, history with the Up and Down
/// arrows, and Ctrl-C clears the line being typed. Otherwise (a script piped in, or no libedit on this machine) it
/// reads plain lines.
///
/// libedit is driven through its callback interface, so that berth's own loop waits for either a key or a
/// Ctrl-C (signalled through a pipe by `interrupt()`), and libedit never handles signals itself.
final class LineEditor: Sendable {
    let prompt: String
    let isTerminal: Bool
    /// libedit, when reading from a terminal on a machine that has it.
    private let editLine: EditLineLibrary?
    /// Written to by `interrupt()`, read by the loop that waits for keys.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    init(prompt: String) {
        self.prompt = prompt
        isTerminal = isatty(STDIN_FILENO) == 1
        editLine = isTerminal ? EditLineLibrary.shared : nil
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        }
        (wakeRead, wakeWrite) = (fds[0], fds[1])
        if let editLine {
            editLine.leaveSignalsAlone()
            editLine.usingHistory()
        }
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// The next line without its newline, or nil at the end of input (Ctrl-D on an empty line).
    func readLine() async -> String? {
        // Waiting for a person must not hold one of the few threads Swift's tasks run on.
        await withCheckedContinuation { continuation in
            let thread = Thread { [self] in
                let line = if let editLine { edit(with: editLine) } else { Swift.readLine(strippingNewline: true) }
                continuation.resume(returning: line)
            }
            thread.start()
        }
    }

    /// Ctrl-C at the prompt: drop what was typed and show a new prompt.
    func interrupt() {
        var byte: UInt8 = 0
        _ = write(wakeWrite, &byte, 1)
    }

    private func edit(with library: EditLineLibrary) -> String? {
        drainWakePipe()
        EditedLine.reset()
        library.callbackHandlerInstall(prompt, EditedLine.receive)
        defer { library.callbackHandlerRemove() }
        while !EditedLine.isDone {
            var waits = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                         pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            if poll(&waits, 2, -1) < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if waits[1].revents != 0 {
                drainWakePipe()
                // Leaves libedit's line (and its idea of the screen) behind; installing again starts an empty one.
                library.callbackHandlerRemove()
                Console.writeOutput("^C\n")
                library.callbackHandlerInstall(prompt, EditedLine.receive)
                continue
            }
            if waits[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                library.callbackReadChar()
            }
        }
        let line = EditedLine.take()
        if let line, !line.allSatisfy(\.isWhitespace), line != EditedLine.previousHistoryEntry {
            _ = library.addHistory(line)
            EditedLine.previousHistoryEntry = line
        }
        return line
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
    }
}

/// Where libedit's C callback leaves the line it finished: a C function pointer carries no context, and only one
/// line is edited at a time.
private enum EditedLine {
    private struct State {
        var done = false
        var line: String?
        var previousHistoryEntry: String?
    }

    private static let state = Mutex(State())

    static let receive: @convention(c) (UnsafeMutablePointer<CChar>?) -> Void = { pointer in
        let line = pointer.map { String(cString: $0) }
        free(pointer)
        state.withLock {
            $0.line = line
            $0.done = true
        }
    }

    static var isDone: Bool { state.withLock { $0.done } }

    static func reset() {
        state.withLock {
            $0.done = false
            $0.line = nil
        }
    }

    static func take() -> String? {
        state.withLock { $0.line }
    }

    static var previousHistoryEntry: String? {
        get { state.withLock { $0.previousHistoryEntry } }
        set { state.withLock { $0.previousHistoryEntry = newValue } }
    }
}
