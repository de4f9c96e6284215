import ArgumentParser
import BerthCore

/// berth's exit statuses, documented in the README for scripts and CI.
enum ExitStatus {
    /// The command did what was asked (including "up to date").
    static let success = ExitCode.success
    /// It failed; the message says why.
    static let failure = ExitCode.failure
    /// The command line, or a value in berth.yml or the hosts file, was wrong (ArgumentParser's own status, 64).
    static let usage = ExitCode.validationFailure
    /// Another publish, rollback, start, stop or rm of the same site holds its lock; try again later.
    static let lockBusy = ExitCode(75)

    /// The one place a failure becomes a status.
    static func of(_ error: Error) -> ExitCode {
        if let exit = error as? ExitCode { return exit }
        if error is ConfigFileError || error is UsageError || error is SiteNameError {
            return usage
        }
        if case .busy = error as? DeployLockError { return lockBusy }
        if let problem = error as? BerthProblem {
            switch problem.code {
            case .usage: return usage
            case .lockBusy: return lockBusy
            default: return failure
            }
        }
        return failure
    }
}

/// A mistake in what the person asked for that only shows once the command runs (a bad `BERTH_USER`); it exits
/// with the usage status like a bad option.
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
