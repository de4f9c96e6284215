import ArgumentParser
import BerthCore
import Foundation

/// `--hosts FILE`, `--host NAME` or `--all-hosts`, and `--user USER`: where to look for sites that are already
/// published, and whose, for the commands that act on them.
struct SiteSelectionOptions: ParsableArguments {
    @OptionGroup var inventoryOptions: InventoryOptions

    @Option(help: "The host to look on, by its name in the inventory (default: the only host, or 'local').")
    var host: String?

    @Flag(name: .customLong("all-hosts"), help: "Look on every host in the inventory.")
    var allHosts = false

    @Option(name: .customLong("user"),
            help: "Only this user's sites (default: $BERTH_USER for logs and stats; sites lists every user's).",
            transform: NameArgument.parse)
    var userName: NameArgument?

    /// `--user` alone: `sites` lists every user's sites unless told otherwise.
    var user: String? { userName?.value }

    func validate() throws {
        if host != nil && allHosts {
            throw ValidationError("--host and --all-hosts exclude each other; give one of them")
        }
    }

    func hosts(environment: [String: String]) throws -> [DockerHost] {
        let inventory = try inventoryOptions.inventory(environment: environment)
        if allHosts { return inventory.hosts }
        do {
            return [try inventory.defaultHost(named: host)]
        } catch .hostNotNamed(let known) {
            throw CommandError("name a host with --host, or pass --all-hosts; the inventory has "
                + known.joined(separator: ", "))
        }
    }

    /// Named sites without `--host` or `--all-hosts` are looked for on every host of the inventory: each must be
    /// on exactly one.
    func selection(siteNames: [String], runningOnly: Bool,
                   environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> SiteSelection {
        let inventory = try inventoryOptions.inventory(environment: environment)
        let user = try UserChoice.named(userName, environment: environment)
        if host == nil, !allHosts, !siteNames.isEmpty, inventory.hosts.count > 1 {
            let search = SiteHostSearch(hosts: inventory.hosts)
            var found: Set<String> = []
            for name in siteNames {
                found.insert(try await search.host(of: name, user: user).name)
            }
            return SiteSelection(hosts: inventory.hosts.filter { found.contains($0.name) }, user: user,
                                 siteNames: siteNames, runningOnly: runningOnly)
        }
        return SiteSelection(hosts: try hosts(environment: environment), user: user, siteNames: siteNames,
                             runningOnly: runningOnly)
    }

    /// Finds the selected sites. A host that does not answer when several are searched is a warning on standard
    /// error, and makes the command fail in the end (`failures` counts it); the others are still shown.
    func locate(_ selection: SiteSelection, failures: inout Int) async throws -> [LocatedSite] {
        var unanswered = 0
        let sites = try await selection.locate(hostFailed: { host, error in
            unanswered += 1
            Console.status("berth: warning: host \(host.name) is left out: \(error)")
        })
        failures += unanswered
        if sites.isEmpty {
            let whose = selection.user.map { "\($0)'s " } ?? ""
            let which = selection.runningOnly ? "running " : ""
            Console.status("berth: no \(which)\(whose)berth sites on \(selection.hosts.map(\.name).joined(separator: ", "))")
        }
        return sites
    }
}
