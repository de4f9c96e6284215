import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The built berth running in the background (`logs -f`, `stats`), its output going to files the test reads
/// while it runs. A process still running when this goes away is killed.
final class BackgroundBerth {
    let process = Process()
    private let stdoutFile: TemporaryFile
    private let stderrFile: TemporaryFile

    init(_ cli: BerthCLI, _ arguments: [String]) throws {
        stdoutFile = try TemporaryFile()
        stderrFile = try TemporaryFile()
        process.executableURL = URL(fileURLWithPath: BerthCLI.executable)
        process.arguments = arguments
        process.environment = cli.environment
        process.currentDirectoryURL = BerthCLI.repositoryRoot
        process.standardOutput = stdoutFile.handle
        process.standardError = stderrFile.handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    func stdout() throws -> String { try stdoutFile.contents() }
    func stderr() throws -> String { try stderrFile.contents() }

    /// Waits until `condition` holds, checking every 50 ms; false when `timeout` passes first.
    static func eventually(within timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    /// Sends `signal` and waits for the process to end; its exit status, or nil if it is still running after
    /// `timeout` (it is then killed). The default only guards against a hang, on a machine that may be loaded.
    func stop(with signal: Int32 = SIGINT, timeout: Duration = .seconds(30)) async throws -> Int32? {
        kill(process.processIdentifier, signal)
        guard try await Self.eventually(within: timeout, { !process.isRunning }) else {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }

    var description: String {
        let out = (try? stdout()) ?? ""
        let err = (try? stderr()) ?? ""
        return "--- stdout\n\(out)\n--- stderr\n\(err)"
    }
}
