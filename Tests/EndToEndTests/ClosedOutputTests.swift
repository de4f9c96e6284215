import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A reader that goes away (`berth sites --json | head -1`) ends berth quietly, as SIGPIPE ends other tools:
/// no message, no backtrace, no crash.
@Suite("Closed standard output", .serialized, .timeLimit(.minutes(6)), .blockingCalls)
struct ClosedOutputTests {
    struct Ending: CustomStringConvertible {
        var reason: Process.TerminationReason
        var status: Int32
        var stderr: String
        var description: String { "ended by \(reason == .uncaughtSignal ? "signal" : "exit") \(status)\n--- stderr\n\(stderr)" }
    }

    /// Runs berth with a standard output whose reader has already closed its end.
    static func runWithClosedOutput(_ arguments: [String], environment: [String: String]) throws -> Ending {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BerthCLI.executable)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = BerthCLI.repositoryRoot
        let output = Pipe()
        try output.fileHandleForReading.close()
        let stderrFile = try TemporaryFile()
        process.standardOutput = output.fileHandleForWriting
        process.standardError = stderrFile.handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try output.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return Ending(reason: process.terminationReason, status: process.terminationStatus,
                      stderr: try stderrFile.contents())
    }

    /// `berth … | head -1` through a real shell pipeline: the reader takes one line and leaves.
    static func runIntoHead(_ command: String, environment: [String: String]) throws -> BerthCLI.Outcome {
        var cli = BerthCLI()
        cli.environment = environment
        cli.program = "/bin/bash"
        let quoted = "'" + BerthCLI.executable + "'"
        return try cli.run(["-c", "set -o pipefail; \(quoted) \(command) | head -1; echo \"status ${PIPESTATUS[0]}\""],
                           timeout: 60)
    }

    @Test("sites, versions, hosts, logs, render and pack end quietly when their reader is gone")
    func closedPipe() async throws {
        try await PublishFixture.run { fixture in
            let cli = fixture.cli()
            let published = try cli.run(["publish", "sites/hello", "--user", fixture.user, "--json"])
            try #require(published.status == 0, "\(published)")
            let commands = [
                ["sites", "--json"], ["sites"], ["versions", "hello", "--user", fixture.user, "--json"],
                ["hosts", "--json"], ["logs", "hello", "--user", fixture.user],
                ["render", "sites/hello", "--user", fixture.user],
                ["pack", "sites/hello", "--user", fixture.user, "-o", "-"], ["--help"],
            ]
            for command in commands {
                let ending = try Self.runWithClosedOutput(command, environment: cli.environment)
                let quiet = ending.reason == .uncaughtSignal && ending.status == SIGPIPE
                    || ending.reason == .exit && ending.status == 0
                #expect(quiet, "berth \(command.joined(separator: " ")): \(ending)")
                #expect(ending.stderr.isEmpty, "berth \(command.joined(separator: " ")) is quiet: \(ending)")
            }

            // A tar larger than a pipe holds, so that berth is still writing when head leaves.
            let big = try fixture.copyOfSite()
            try Data(count: 2 << 20).write(to: URL(fileURLWithPath: big + "/big.bin"))
            let tar = try Self.runIntoHead("pack '\(big)' --user \(fixture.user) -o -", environment: cli.environment)
            #expect(tar.stdout.contains("status 141"), "the pack was cut off, as by SIGPIPE: \(tar)")
            #expect(tar.stderr.isEmpty, "\(tar)")
            let sites = try Self.runIntoHead("sites --json", environment: cli.environment)
            #expect(sites.stdout.hasPrefix("{"), "\(sites)")
            #expect(sites.stdout.contains("status 0") || sites.stdout.contains("status 141"), "\(sites)")
            #expect(sites.stderr.isEmpty, "\(sites)")
        }
    }
}
