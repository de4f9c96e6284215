import ArgumentParser
import BerthCore

@main
struct Berth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "Publish a static-site directory as a hardened web container on a Docker host.",
        version: "0.1.0",
        subcommands: [
            PublishCommand.self, HostsCommand.self, RenderCommand.self, PackCommand.self, LogsCommand.self,
            StatsCommand.self,
        ]
    )
}
