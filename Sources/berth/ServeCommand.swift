import ArgumentParser
import BerthCore
import BerthServer
import Foundation

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the berth API server: users publish and operate their own sites through it with tokens.",
        discussion: "Create the first admin with `berth admin init --config FILE NAME`. See openapi.yaml for the API."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The server's config (YAML: listen, database, hosts, registry, tls, quotas).",
            completion: .file(extensions: ["yml", "yaml"]))
    var config: String

    func run() async throws {
        try await reportingErrors {
            try global.bootstrapLogging()
            let config = try ServeConfig.load(path: config)
            let scheme = config.tlsCertificate == nil ? "http" : "https"
            try await BerthServe.run(config: config, environment: ProcessInfo.processInfo.environment) { port in
                Console.status("berth serve: listening on \(scheme)://\(config.listenHost):\(port)")
            }
        }
    }
}
