import ArgumentParser
import BerthCore
import Foundation

/// `--remote NAME|URL`: act through a `berth serve` (default: `BERTH_REMOTE` with `BERTH_TOKEN`, else the default
/// login `berth login` stored) instead of the engines.
struct RemoteOptions: ParsableArguments {
    @Option(name: .customLong("remote"),
            help: ArgumentHelp("Act through this berth server: a login's name or a URL (default: $BERTH_REMOTE, else the default login).",
                               valueName: "name|url"))
    var url: String?

    func endpoint(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RemoteEndpoint? {
        try RemoteEndpoint.selected(option: url, environment: environment)
    }

    /// The server the admin commands talk to; one is required.
    func requiredEndpoint(environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> RemoteEndpoint
    {
        guard let endpoint = try endpoint(environment: environment) else {
            throw UsageError("no berth server: run `berth login URL`, or set BERTH_REMOTE and BERTH_TOKEN, or pass --remote")
        }
        return endpoint
    }
}

extension SiteArguments {
    /// The backend for this command: the server when a remote is selected, else the engines. With a server,
    /// the host and the user are the server's to choose.
    func operations(environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> any SiteOperations
    {
        if let endpoint = try remote.endpoint(environment: environment) {
            try RemoteChoice.refuseLocalOptions(host: hostOptions.host, hosts: hostOptions.inventoryOptions.path,
                                                user: userName?.value)
            return RemoteSiteOperations(endpoint: endpoint)
        }
        return LocalSiteOperations(inventory: try hostOptions.inventory(environment: environment),
                                   hostName: hostOptions.host, environment: environment)
    }
}

enum RemoteChoice {
    static func refuseLocalOptions(host: String?, allHosts: Bool = false, hosts: String?, user: String?) throws {
        let given = [host.map { _ in "--host" }, allHosts ? "--all-hosts" : nil, hosts.map { _ in "--hosts" },
                     user.map { _ in "--user" }].compactMap { $0 }
        guard given.isEmpty else {
            throw UsageError("\(given.joined(separator: ", ")) cannot be used through a berth server: it chooses the "
                + "host, and acts as the user its token belongs to")
        }
    }
}
