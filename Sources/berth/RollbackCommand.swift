import ArgumentParser
import BerthCore
import Foundation

struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Run an earlier kept version of a site in place of the current one; print its URL.",
        discussion: """
            Without --to, the newest version older than the current one. The current version is replaced only \
            once the earlier one answers 200 on /; if it does not, the current version is started again and \
            rollback exits non-zero. See the kept versions with `berth versions SITE`.
            """
    )

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: SiteArguments

    @Option(help: ArgumentHelp("The version to run, as `berth versions` lists it.", valueName: "version"),
            transform: ImageTag.parse)
    var to: ImageTag?

    @OptionGroup var check: ServeCheckOptions

    @OptionGroup var lock: LockOptions

    @Flag(help: "Print JSON lines: progress events, then the result (or the error).")
    var json = false

    func run() async throws {
        let output = PublishOutput(json: json, verbose: global.verbose)
        try await reportingErrors(json: json) {
            try global.bootstrapLogging()
            let operations = try target.operations()
            let user = try target.user()
            let (site, to, checkTimeout, lockWait) = (target.site, to?.value, check.duration, lock.duration)
            // Ctrl-C or SIGTERM mid-rollback restores the version that was serving instead of leaving it stopped.
            let result = try await InterruptForwarder.cancellingOnInterrupt {
                try await operations.rollback(site: site, user: user, to: to, checkTimeout: checkTimeout,
                                              lockWait: lockWait) { event in
                    output.show(event)
                }
            }
            output.finish(result)
        }
    }
}
