import ArgumentParser
import BerthCore
import Foundation

/// `berth edge up|status|down|ca`: the per-host reverse proxy that serves sites by name over HTTPS.
struct EdgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge",
        abstract: "Run the host's edge: a Caddy reverse proxy serving its sites by name over HTTPS.",
        subcommands: [EdgeUpCommand.self, EdgeStatusCommand.self, EdgeDownCommand.self, EdgeCACommand.self]
    )
}

/// The host an edge command acts on, and its controller.
struct EdgeTarget: ParsableArguments {
    @OptionGroup var hostOptions: HostOptions

    func controller() throws -> EdgeController {
        let environment = ProcessInfo.processInfo.environment
        let host = try hostOptions.selectedHost(in: try hostOptions.inventory(environment: environment))
        return try EdgeController(host: host, engine: DockerEngine(endpoint: host.endpoint), environment: environment)
    }
}

struct EdgeUpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start the host's edge (creating it when missing) and give it every site's route.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EdgeTarget

    func run() async throws {
        try await reportingErrors {
            try global.bootstrapLogging()
            let edge = try target.controller()
            let table = try await edge.up()
            let names = table.routes.flatMap { $0.hostnames.map(\.name) }
            Console.writeOutput("the edge on \(edge.host.name) runs: \(table.routes.count) site"
                + "\(table.routes.count == 1 ? "" : "s") routed\(names.isEmpty ? "" : " (\(names.joined(separator: ", ")))")\n")
        }
    }
}

struct EdgeStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Whether each host's edge runs, its domain, TLS mode, ports and routes.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hostOptions: HostOptions

    @Flag(name: .customLong("all-hosts"), help: "Every host in the inventory that has an edge.")
    var allHosts = false

    @Flag(help: "Print one JSON object per host.")
    var json = false

    func validate() throws {
        if allHosts && hostOptions.host != nil { throw ValidationError("--all-hosts and --host exclude each other") }
    }

    func run() async throws {
        try await reportingErrors(json: json) {
            try global.bootstrapLogging()
            let environment = ProcessInfo.processInfo.environment
            let inventory = try hostOptions.inventory(environment: environment)
            let hosts = allHosts ? inventory.hosts.filter { $0.edge != nil }
                : [try hostOptions.selectedHost(in: inventory)]
            var rows = [["HOST", "EDGE", "DOMAIN", "TLS", "PORTS", "ROUTES"]]
            for host in hosts {
                let edge = try EdgeController(host: host, engine: DockerEngine(endpoint: host.endpoint),
                                              environment: environment)
                let status = try await edge.status()
                if json {
                    try Console.jsonLine(status)
                } else {
                    rows.append([status.host, status.state, status.domain, status.tls,
                                 "\(status.httpPort)/\(status.httpsPort)", "\(status.routes)"])
                }
            }
            if !json { Console.writeOutput(TextTable.render(rows)) }
        }
    }
}

struct EdgeDownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Stop and remove the host's edge (its certificates stay for the next `edge up`).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EdgeTarget

    func run() async throws {
        try await reportingErrors {
            try global.bootstrapLogging()
            let edge = try target.controller()
            let removed = try await edge.down()
            Console.writeOutput(removed ? "the edge on \(edge.host.name) is removed; its sites are not reachable "
                + "by name until `berth edge up`\n" : "the edge on \(edge.host.name) was not running\n")
        }
    }
}

struct EdgeCACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "Print the root certificate of the edge's own CA (tls: internal), to trust its sites' certificates.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: EdgeTarget

    func run() async throws {
        try await reportingErrors {
            try global.bootstrapLogging()
            Console.writeOutput(try await target.controller().rootCertificate())
        }
    }
}
