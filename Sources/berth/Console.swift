import ArgumentParser
import BerthCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A failure the CLI itself detects, with a message for the person at the terminal.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum Console {
    private static let lock = NSLock()

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    static func status(_ line: String) {
        writeError(line + "\n")
    }

    static func error(_ message: String) {
        writeError("berth: error: " + message + "\n")
    }

    /// Standard error; a failure to write there has nowhere to be reported and is left alone.
    static func writeError(_ text: String) {
        var text = text
        lock.withLock {
            text.withUTF8 { try? writeAll(UnsafeRawBufferPointer($0), to: STDERR_FILENO) }
        }
    }

    static func writeOutput(_ text: String) {
        lock.withLock { StandardOutput.write(text) }
    }

    /// One JSON object on its own line on standard output, in berth's one encoding (`BerthJSON`).
    static func jsonLine(_ value: some Encodable) throws {
        writeOutput(try BerthJSON.line(value))
    }
}

/// Runs a command body; any failure is printed as one clear message (and as a JSON error line with `json`) and
/// ends the command with the exit status `ExitStatus` gives it.
func reportingErrors(json: Bool = false, _ body: () async throws -> Void) async throws {
    defer { StandardOutput.endIfClosed() }
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        let message = error is CancellationError ? "cancelled" : String(describing: error)
        if json {
            try? Console.jsonLine(PublishEventRecord.error(message))
        }
        Console.error(message)
        throw ExitStatus.of(error)
    }
}
