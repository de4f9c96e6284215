import ArgumentParser
import BerthCore
import Foundation

/// `SITE [--host NAME] [--hosts FILE] [--user USER]`: one published site on one host, for the commands that act on
/// a site berth already runs.
struct SiteArguments: ParsableArguments {
    @Argument(help: "The site's name, as `berth sites` lists it.")
    var site: String

    @OptionGroup var hostOptions: HostOptions

    @Option(help: "The site's owner; needed only when several users have a site of that name on the host.")
    var user: String?

    func validate() throws {
        for (what, name) in [("site name", site), ("user", user)] {
            if let name, !SiteName.isValid(name) {
                throw ValidationError(
                    "\(what) '\(name)' may hold only lower-case letters, digits and dashes (at most 63)")
            }
        }
    }

    /// The host the site is on: `--host`, else the one host of the inventory that has the site.
    func host(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> DockerHost {
        let inventory = try hostOptions.inventory(environment: environment)
        guard hostOptions.host == nil, inventory.hosts.count > 1 else { return try hostOptions.selectedHost(in: inventory) }
        return try await SiteHostSearch(hosts: inventory.hosts).host(of: site, user: user)
    }

    /// Stop, start and remove on the site's host.
    func control() async throws -> SiteControl {
        let host = try await host()
        return SiteControl(host: host, engine: DockerEngine(endpoint: host.endpoint))
    }
}

/// `--check-timeout SECONDS`: how long a site that was just started has to answer 200 on `/`.
struct ServeCheckOptions: ParsableArguments {
    @Option(name: .customLong("check-timeout"), help: "Seconds the started site has to answer 200 on /.")
    var checkTimeout: Int = 30

    var duration: Duration { .seconds(checkTimeout) }

    func validate() throws {
        guard checkTimeout > 0 else { throw ValidationError("--check-timeout must be a positive number of seconds") }
    }
}
