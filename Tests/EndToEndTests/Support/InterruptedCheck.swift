import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension BackgroundBerth {
    /// Runs a publish or rollback (`arguments`, with `--json`) whose new version answers 503, sends `signal` once it
    /// is checking that version, and waits for it to end. Records an issue if it was not still in its check when
    /// signalled, or if the signal, not berth, ended it; returns its exit status.
    static func interruptedInCheck(_ cli: BerthCLI, _ arguments: [String], signal: Int32) async throws -> Int32? {
        let berth = try BackgroundBerth(cli, arguments + ["--json", "--check-timeout", "60"])
        _ = try await eventually(within: .seconds(120)) {
            try berth.stdout().contains("\"stage\":\"check\"") || !berth.process.isRunning
        }
        #expect(try berth.stdout().contains("\"stage\":\"check\"") && berth.process.isRunning,
                "it reached the check and is still in it: \(berth.description)")
        let status = try await berth.stop(with: signal, timeout: .seconds(60))
        #expect(berth.process.terminationReason == .exit, "berth ended by itself, not by the signal")
        return status
    }
}
