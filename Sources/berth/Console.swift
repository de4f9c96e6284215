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

    static func writeError(_ text: String) {
        lock.withLock { FileHandle.standardError.write(Data(text.utf8)) }
    }

    static func writeOutput(_ text: String) {
        lock.withLock { FileHandle.standardOutput.write(Data(text.utf8)) }
    }

    /// One JSON object on its own line on standard output.
    static func jsonLine(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        writeOutput(String(decoding: data, as: UTF8.self) + "\n")
    }
}

/// Runs a command body; any failure is printed as one clear message (and as a JSON error line with `json`) and
/// ends the command with a non-zero status.
func reportingErrors(json: Bool = false, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        let message = error is CancellationError ? "cancelled" : String(describing: error)
        if json {
            Console.jsonLine(["event": "error", "message": message])
        }
        Console.error(message)
        if case .busy = error as? DeployLockError { throw ExitStatus.lockBusy }
        throw ExitStatus.failure
    }
}
