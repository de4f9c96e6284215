import ArgumentParser

/// `--lock-wait`, for the commands that replace or remove a site's container (publish, rollback, rm).
struct LockOptions: ParsableArguments {
    @Option(name: .customLong("lock-wait"),
            help: "Seconds to wait for another publish, rollback or rm of the same site to finish.")
    var seconds: Int = 120

    func validate() throws {
        guard seconds >= 0 else { throw ValidationError("--lock-wait must be zero or a positive number of seconds") }
    }

    var duration: Duration { .seconds(seconds) }
}
