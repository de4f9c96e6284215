import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `berth` executable as a user or a CI job would, and captures what it printed.
struct BerthCLI {
    struct Outcome: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var seconds: Double

        var description: String { "exit \(status) after \(seconds) s\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }

        /// The JSON lines of standard output, each decoded as an object.
        var jsonLines: [[String: Any]] {
            stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        var result: [String: Any]? { jsonLines.last { $0["event"] as? String == "result" } }
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `BERTH_BIN`, else the debug build in this checkout.
    static var executable: String {
        if let path = ProcessInfo.processInfo.environment["BERTH_BIN"] { return path }
        return repositoryRoot.appendingPathComponent(".build/debug/berth").path
    }

    var environment: [String: String] = ProcessInfo.processInfo.environment
    /// The berth to run: `executable` unless a test needs a copy elsewhere.
    var program = BerthCLI.executable
    /// Prefix the command, e.g. `["setpriv", "--reuid=65534", …]` to run it as another user.
    var launcher: [String] = []
    /// A file read as standard input (`berth passwd`); nil reads nothing.
    var standardInputFile: String?

    init(extraEnvironment: [String: String] = [:], removing: [String] = []) {
        for key in removing { environment.removeValue(forKey: key) }
        environment.merge(extraEnvironment) { _, new in new }
    }

    /// Runs berth and returns how it exited. Throws `DidNotExit` when it was still running after `timeout`
    /// seconds (it is then killed) or when a signal ended it (a crash): neither is an exit status a user sees.
    func run(_ arguments: [String], timeout: Double = 300) throws -> Outcome {
        let process = Process()
        let command = launcher + [program] + arguments
        process.executableURL = URL(fileURLWithPath: launcher.isEmpty ? program : "/usr/bin/env")
        process.arguments = launcher.isEmpty ? arguments : command
        process.environment = environment
        process.currentDirectoryURL = Self.repositoryRoot
        let stdoutFile = try TemporaryFile()
        let stderrFile = try TemporaryFile()
        process.standardOutput = stdoutFile.handle
        process.standardError = stderrFile.handle
        process.standardInput = standardInputFile.flatMap { FileHandle(forReadingAtPath: $0) } ?? FileHandle.nullDevice
        let start = Date()
        try process.run()
        let exited = process.waitUntilExit(within: timeout)
        let outcome = Outcome(status: process.terminationStatus, stdout: try stdoutFile.contents(),
                              stderr: try stderrFile.contents(), seconds: Date().timeIntervalSince(start))
        guard exited else {
            throw DidNotExit(arguments: arguments, reason: "killed after its time limit of \(timeout) s", outcome: outcome)
        }
        guard process.terminationReason == .exit else {
            throw DidNotExit(arguments: arguments, reason: "ended by signal \(process.terminationStatus)", outcome: outcome)
        }
        return outcome
    }

    /// berth did not exit by itself: it hung past its time limit, or a signal ended it.
    struct DidNotExit: Error, CustomStringConvertible {
        var arguments: [String]
        var reason: String
        var outcome: Outcome

        var description: String { "berth \(arguments.joined(separator: " ")) did not exit: \(reason)\n\(outcome)" }
    }
}

extension Process {
    /// Waits for the process to end, at most `timeout` seconds; false when it had not, and was then killed.
    func waitUntilExit(within timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline {
            usleep(20_000)
        }
        guard isRunning else { return true }
        // Children of the test runner ignore SIGTERM.
        kill(processIdentifier, SIGKILL)
        waitUntilExit()
        return false
    }
}

/// Output is captured in files, not pipes, so a chatty process never blocks on a full pipe.
final class TemporaryFile {
    let path: String
    let handle: FileHandle

    init() throws {
        path = NSTemporaryDirectory() + "/berth-e2e-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: path, contents: nil)
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    func contents() throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    deinit {
        try? handle.close()
        unlink(path)
    }
}
