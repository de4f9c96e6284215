import ArgumentParser
import BerthCore
import Foundation

struct SitesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sites",
        abstract: "List the berth sites on a host, or on every host: state, URL, version, memory and uptime.",
        discussion: "Hosts are asked at the same time; one that cannot be asked is reported, and the exit status is 1."
    )

    @OptionGroup var global: GlobalOptions

    @OptionGroup var selection: SiteSelectionOptions

    @OptionGroup var remote: RemoteOptions

    @Flag(help: "Print one JSON object per site (or per host that could not be asked).")
    var json = false

    func run() async throws {
        try await reportingErrors(json: json) {
            try global.bootstrapLogging()
            let environment = ProcessInfo.processInfo.environment
            let operations: any SiteOperations
            if let endpoint = try remote.endpoint(environment: environment) {
                try selection.refuseThroughServer()
                operations = RemoteSiteOperations(endpoint: endpoint)
            } else {
                operations = LocalSiteOperations(inventory: Inventory(hosts: try selection.hosts(environment: environment)),
                                                 hostName: nil, environment: environment)
            }
            let listing = try await operations.sites(user: selection.user)
            if json {
                for problem in listing.problems {
                    try Console.jsonLine(problem)
                }
                for site in listing.sites {
                    try Console.jsonLine(site)
                }
            } else {
                Console.writeOutput(Self.table(listing))
            }
            for problem in listing.problems {
                Console.error("\(problem.host): \(problem.error)")
            }
            for site in listing.sites {
                if let error = site.memoryError {
                    Console.error("cannot read the memory use of \(site.user)/\(site.site) on \(site.host): \(error)")
                }
            }
            if !listing.problems.isEmpty || listing.sites.contains(where: { $0.memoryError != nil }) {
                throw ExitCode.failure
            }
        }
    }

    static func table(_ listing: SiteListing) -> String {
        var rows = [["USER", "SITE", "HOST", "STATE", "URL", "VERSION", "MEMORY", "UPTIME", "BASE"]]
        var notes: [String] = []
        for problem in listing.problems {
            rows.append(["-", "-", problem.host, "error", "-", "-", "-", "-", "-"])
        }
        for site in listing.sites {
            let limit = site.memoryLimit.map(ReadableUnits.bytes) ?? "no limit"
            rows.append([
                site.user, site.site, site.host, site.state.rawValue + (site.interruption == nil ? "" : "*"),
                site.url ?? "-", site.version ?? "-",
                "\(site.memoryUsage.map(ReadableUnits.bytes) ?? (site.memoryError == nil ? "-" : "error")) / \(limit)",
                site.uptimeSeconds.map { ReadableUnits.duration(seconds: $0) } ?? "-",
                site.baseOutdated.map { $0 ? "outdated" : "current" } ?? "-",
            ])
            if let interruption = site.interruption {
                notes.append("* \(site.user)/\(site.site) on \(site.host): \(interruption)\n")
            }
        }
        return TextTable.render(rows) + notes.joined()
    }
}
