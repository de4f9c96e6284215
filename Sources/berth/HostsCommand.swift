import ArgumentParser
import BerthCore
import Foundation

struct HostsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts",
        abstract: "List the hosts in the inventory: endpoint, whether it answers, engine version, CPUs, memory, sites."
    )

    @OptionGroup var global: GlobalOptions

    @OptionGroup var inventoryOptions: InventoryOptions

    @Flag(help: "Print one JSON object per host.")
    var json = false

    func run() async throws {
        try await reportingErrors(json: json) {
            try global.bootstrapLogging()
            let inventory = try inventoryOptions.inventory()
            let statuses = await withTaskGroup(of: (Int, HostStatus).self) { group in
                for (index, host) in inventory.hosts.enumerated() {
                    group.addTask {
                        let engine = DockerEngine(endpoint: host.endpoint, requestTimeout: .seconds(10))
                        var status = await HostStatus.probe(host, engine: engine)
                        status.inventory = inventory.source.description
                        return (index, status)
                    }
                }
                var results: [(Int, HostStatus)] = []
                for await result in group { results.append(result) }
                return results.sorted { $0.0 < $1.0 }.map(\.1)
            }
            if json {
                for status in statuses {
                    try Console.jsonLine(status)
                }
            } else {
                Console.writeOutput(Self.table(statuses) + "(\(inventory.source))\n")
            }
            if statuses.contains(where: { !$0.reachable }) {
                throw ExitCode.failure
            }
        }
    }

    static func table(_ statuses: [HostStatus]) -> String {
        var rows = [["HOST", "ENDPOINT", "STATE", "ENGINE", "CPUS", "MEMORY", "SITES", "EDGE"]]
        for status in statuses {
            rows.append([
                status.name, status.tls ? status.endpoint + " (TLS)" : status.endpoint, status.reachable ? "up" : "unreachable",
                status.engineVersion ?? "-", status.cpus.map(String.init) ?? "-",
                status.memoryBytes.map { MemoryLimit(bytes: $0).readable } ?? "-",
                status.sites.map(String.init) ?? "-",
                status.edge.map { "\($0.state) \($0.domain) \($0.tls) \($0.routes) routes" } ?? "-",
            ])
        }
        var text = TextTable.render(rows)
        for status in statuses where status.error != nil {
            text += "\(status.name): \(status.error ?? "")\n"
        }
        return text
    }
}

/// Left-aligned columns separated by two spaces, like docker's tables.
enum TextTable {
    static func render(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
