import ArgumentParser

/// `--lock-wait`, for the commands that replace or remove a site's container (publish, rollback, rm).
struct LockOptions: ParsableArguments {
    @Option(name: .customLong("lock-wait"), parsing: .unconditional,
            help: ArgumentHelp("Seconds to wait for another publish, rollback or rm of the same site to finish (default: 120).",
                               valueName: "seconds"),
            transform: WholeNumber<ZeroOrMore>.parse)
    var seconds = WholeNumber<ZeroOrMore>(120)

    var duration: Duration { .seconds(seconds.value) }
}
