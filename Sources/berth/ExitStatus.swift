import ArgumentParser

/// berth's exit statuses, documented in the README for scripts and CI.
enum ExitStatus {
    /// The command did what was asked (including "up to date").
    static let success = ExitCode.success
    /// It failed; the message says why.
    static let failure = ExitCode.failure
    /// The command line was wrong (ArgumentParser's own status).
    static let usage = ExitCode.validationFailure
    /// Another publish, rollback or rm of the same site holds its lock; try again later.
    static let lockBusy = ExitCode(75)
}
