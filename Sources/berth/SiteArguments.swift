import ArgumentParser
import BerthCore
import Foundation

/// `SITE [--host NAME] [--hosts FILE] [--user USER]`: one published site on one host, for the commands that act on
/// a site berth already runs.
struct SiteArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("The site's name, as `berth sites` lists it.", valueName: "site"),
              transform: NameArgument.parse)
    var siteName: NameArgument

    @OptionGroup var hostOptions: HostOptions

    @Option(name: .customLong("user"),
            help: "The site's owner (default: $BERTH_USER); needed only when several users have a site of that name on the host.",
            transform: NameArgument.parse)
    var userName: NameArgument?

    var site: String { siteName.value }

    /// `--user`, else `$BERTH_USER`, else nil: the one site of that name, whoever owns it.
    func user(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        try UserChoice.named(userName, environment: environment)
    }

    /// The host the site is on: `--host`, else the one host of the inventory that has the site.
    func host(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> DockerHost {
        let inventory = try hostOptions.inventory(environment: environment)
        guard hostOptions.host == nil, inventory.hosts.count > 1 else { return try hostOptions.selectedHost(in: inventory) }
        return try await SiteHostSearch(hosts: inventory.hosts).host(of: site, user: try user(environment: environment))
    }

    /// Stop, start and remove on the site's host.
    func control() async throws -> SiteControl {
        let host = try await host()
        return SiteControl(host: host, engine: DockerEngine(endpoint: host.endpoint))
    }
}

/// `--check-timeout SECONDS`: how long a site that was just started has to answer 200 on `/`.
struct ServeCheckOptions: ParsableArguments {
    // Unconditional: `-1` is a (wrong) value to report, not an option.
    @Option(name: .customLong("check-timeout"), parsing: .unconditional,
            help: ArgumentHelp("Seconds the started site has to answer 200 on / (default: 30).", valueName: "seconds"),
            transform: WholeNumber<OneOrMore>.parse)
    var checkTimeout = WholeNumber<OneOrMore>(30)

    var duration: Duration { .seconds(checkTimeout.value) }
}
