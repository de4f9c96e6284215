import ArgumentParser
import Foundation

/// A failure the CLI itself detects, with a message for the person at the terminal.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum Console {
    static func status(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("berth: error: " + message + "\n").utf8))
    }
}

/// Runs a command body; any failure is printed as one clear message and ends the command with a non-zero status.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch is CancellationError {
        Console.error("cancelled")
        throw ExitCode.failure
    } catch {
        Console.error(String(describing: error))
        throw ExitCode.failure
    }
}
