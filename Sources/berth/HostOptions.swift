import ArgumentParser
import BerthCore
import Foundation

/// `--hosts FILE` and `--host NAME`, shared by every command that talks to a Docker host.
struct HostOptions: ParsableArguments {
    @Option(name: .customLong("hosts"), help: "The hosts inventory (default: $BERTH_HOSTS, else ./hosts.yml).",
            completion: .file(extensions: ["yml", "yaml"]))
    var inventoryPath: String?

    @Option(help: "The host to act on, by its name in the inventory (default: the only host, or 'local'); publish also takes auto.")
    var host: String?

    func inventory(environment: [String: String]) throws -> Inventory {
        try Inventory.load(explicitPath: inventoryPath, environment: environment)
    }

    func selectedHost(in inventory: Inventory) throws -> DockerHost {
        try inventory.defaultHost(named: host)
    }
}
