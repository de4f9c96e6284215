import ArgumentParser
import BerthCore
import Foundation

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a stopped site's container and wait until it answers; print its URL.",
        discussion: "A site that starts but does not answer 200 on / within --check-timeout is left running, and "
            + "start exits non-zero with its last log lines."
    )

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: SiteArguments

    @OptionGroup var check: ServeCheckOptions

    @OptionGroup var lock: LockOptions

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func run() async throws {
        try await reportingErrors(json: json) {
            try global.bootstrapLogging()
            let result = try await target.operations().start(site: target.site, user: try target.user(),
                                                             checkTimeout: check.duration, lockWait: lock.duration)
            if json {
                try Console.jsonLine(result)
            } else {
                let what = result.changed ? "started" : "was already running"
                Console.status("==> \(result.user)/\(result.site) on \(result.host) \(what)")
                Console.writeOutput((result.url ?? "") + "\n")
            }
        }
    }
}
