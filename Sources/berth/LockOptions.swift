import ArgumentParser

/// `--lock-wait`, for the commands that change a site's container (publish, rollback, start, stop, rm).
struct LockOptions: ParsableArguments {
    @Option(name: .customLong("lock-wait"), parsing: .unconditional,
            help: ArgumentHelp("Seconds to wait for another publish, rollback, start, stop or rm of the same site to finish (default: 120).",
                               valueName: "seconds"),
            transform: WholeNumber<ZeroOrMore>.parse)
    var seconds = WholeNumber<ZeroOrMore>(120)

    var duration: Duration { .seconds(seconds.value) }
}
