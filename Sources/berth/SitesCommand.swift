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

    @Flag(help: "Print one JSON object per site (or per host that could not be asked).")
    var json = false

    func run() async throws {
        try await reportingErrors(json: json) {
            try global.bootstrapLogging()
            let hosts = try selection.hosts(environment: ProcessInfo.processInfo.environment)
            let lists = await HostSiteList.gather(from: hosts, user: selection.user) { host in
                DockerEngine(endpoint: host.endpoint, requestTimeout: .seconds(10))
            }
            if json {
                for list in lists {
                    if let error = list.error {
                        try Console.jsonLine(HostProblemRecord(host: list.host.name, error: error))
                    }
                    for site in list.sites {
                        try Console.jsonLine(site)
                    }
                }
            } else {
                Console.writeOutput(Self.table(lists))
            }
            for list in lists {
                if let error = list.error {
                    Console.error("\(list.host.name): \(error)")
                }
                for site in list.sites {
                    if let error = site.memoryError {
                        Console.error("cannot read the memory use of \(site.user)/\(site.site) on \(site.host): \(error)")
                    }
                }
            }
            if lists.contains(where: { $0.error != nil || $0.sites.contains { $0.memoryError != nil } }) {
                throw ExitCode.failure
            }
        }
    }

    static func table(_ lists: [HostSiteList]) -> String {
        var rows = [["USER", "SITE", "HOST", "STATE", "URL", "VERSION", "MEMORY", "UPTIME", "BASE"]]
        var notes: [String] = []
        for list in lists {
            if list.error != nil {
                rows.append(["-", "-", list.host.name, "error", "-", "-", "-", "-", "-"])
            }
            for site in list.sites {
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
        }
        return TextTable.render(rows) + notes.joined()
    }
}
