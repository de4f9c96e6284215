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

    /// The backend for `logs` and `stats`: the server when a remote is selected (which watches the signed-in
    /// user's sites on all its hosts), else the engines of the inventory.
    func operations(remote: RemoteOptions, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> any SiteOperations
    {
        if let endpoint = try remote.endpoint(environment: environment) {
            try refuseThroughServer()
            return RemoteSiteOperations(endpoint: endpoint)
        }
        return LocalSiteOperations(inventory: try inventoryOptions.inventory(environment: environment), hostName: host,
                                   environment: environment)
    }

    /// A server chooses the hosts and acts as its token's user: the options that choose them are refused.
    func refuseThroughServer() throws {
        try RemoteChoice.refuseLocalOptions(host: host, allHosts: allHosts, hosts: inventoryOptions.path, user: user)
    }

    /// The sites named (every site when none), of `--user` or `$BERTH_USER` (of the token's user through a server).
    func request(siteNames: [String], remote: Bool,
                 environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SiteWatchRequest {
        SiteWatchRequest(siteNames: siteNames,
                         user: remote ? nil : try UserChoice.named(userName, environment: environment),
                         allHosts: allHosts)
    }

    /// Reports what `located` found: each host that did not answer is a warning (and makes the command fail in
    /// the end: the returned count), and finding no site is said.
    static func report(located sites: [WatchedSite], hosts: [String], leftOut: [HostProblemRecord],
                       request: SiteWatchRequest, runningOnly: Bool) -> Int {
        for problem in leftOut {
            Console.status("berth: warning: host \(problem.host) is left out: \(problem.error)")
        }
        if sites.isEmpty {
            let whose = request.user.map { "\($0)'s " } ?? ""
            let which = runningOnly ? "running " : ""
            Console.status("berth: no \(which)\(whose)berth sites on \(hosts.joined(separator: ", "))")
        }
        return leftOut.count
    }
}
