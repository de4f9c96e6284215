import ArgumentParser
import BerthCore
import Foundation

struct VersionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "List the versions of a site kept on a host, newest first, and which one runs.",
        discussion: "Any of them can be run again with `berth rollback SITE --to VERSION`."
    )

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: SiteArguments

    @Flag(help: "Print one JSON object per version.")
    var json = false

    func run() async throws {
        try await reportingErrors(json: json) {
            try global.bootstrapLogging()
            let history = try await target.operations().versions(site: target.site, user: try target.user())
            if json {
                for version in history.versions {
                    try Console.jsonLine(SiteVersionRecord(host: history.host, identity: history.identity,
                                                           version: version))
                }
            } else {
                Console.writeOutput(Self.table(history, now: Date()))
            }
        }
    }

    static func table(_ history: SiteVersionList, now: Date) -> String {
        var rows = [["VERSION", "CREATED", "SIZE", "IMAGE", "STATUS"]]
        for version in history.versions {
            let age = Int64(now.timeIntervalSince(version.created))
            let image = String(version.imageID.drop { $0 != ":" }.dropFirst().prefix(12))
            let use = version.running ? "running" : version.current ? "current (stopped)" : ""
            rows.append([version.version, ReadableUnits.duration(seconds: age) + " ago",
                         ReadableUnits.bytes(version.size), image, use])
        }
        return "\(history.identity) on \(history.host)\n" + TextTable.render(rows)
    }
}
