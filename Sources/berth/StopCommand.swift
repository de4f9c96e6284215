import ArgumentParser
import BerthCore
import Foundation

struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop a site's container; it stays stopped, also across restarts of Docker, until `berth start`."
    )

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: SiteArguments

    @OptionGroup var lock: LockOptions

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func run() async throws {
        try await reportingErrors(json: json) {
            try global.bootstrapLogging()
            let result = try await target.operations().stop(site: target.site, user: try target.user(),
                                                            lockWait: lock.duration)
            if json {
                try Console.jsonLine(result)
            } else {
                let what = result.changed ? "stopped" : "was already stopped"
                Console.writeOutput("\(result.user)/\(result.site) on \(result.host) \(what)\n")
            }
        }
    }
}
