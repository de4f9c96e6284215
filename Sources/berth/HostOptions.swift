import ArgumentParser
import BerthCore
import Foundation

/// `--hosts FILE`: the hosts inventory, for every command that reads it.
struct InventoryOptions: ParsableArguments {
    @Option(name: .customLong("hosts"), help: "The hosts inventory (default: $BERTH_HOSTS, else ./hosts.yml).",
            completion: .file(extensions: ["yml", "yaml"]))
    var path: String?

    func inventory(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Inventory {
        try Inventory.load(explicitPath: path, environment: environment)
    }
}

/// `--hosts FILE` and `--host NAME`, shared by every command that talks to one Docker host.
struct HostOptions: ParsableArguments {
    @OptionGroup var inventoryOptions: InventoryOptions

    @Option(help: "The host to act on, by its name in the inventory (default: the only host, or 'local'); publish also takes auto.")
    var host: String?

    func inventory(environment: [String: String]) throws -> Inventory {
        try inventoryOptions.inventory(environment: environment)
    }

    func selectedHost(in inventory: Inventory) throws -> DockerHost {
        try inventory.defaultHost(named: host)
    }
}
