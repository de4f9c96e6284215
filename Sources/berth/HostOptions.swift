import ArgumentParser
import BerthCore
import Foundation

/// `--hosts FILE` and `--host NAME`, shared by every command that talks to a Docker host.
struct HostOptions: ParsableArguments {
    @Option(name: .customLong("hosts"), help: "The hosts inventory (default: $BERTH_HOSTS, else ./hosts.yml).",
            completion: .file(extensions: ["yml", "yaml"]))
    var inventoryPath: String?

    @Option(help: "The host to act on, by its name in the inventory (default: the only host, or 'local').")
    var host: String?

    func inventory(environment: [String: String]) throws -> Inventory {
        try Inventory.load(explicitPath: inventoryPath, environment: environment)
    }

    func selectedHost(in inventory: Inventory) throws -> DockerHost {
        if let host { return try inventory.host(named: host) }
        if inventory.hosts.count == 1, let only = inventory.hosts.first { return only }
        if let local = inventory.hosts.first(where: { $0.name == "local" }) { return local }
        throw CommandError("name a host with --host; the inventory has \(inventory.hosts.map(\.name).joined(separator: ", "))")
    }
}
