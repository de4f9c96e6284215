import ArgumentParser
import BerthCore

@main
struct Berth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "Publish a static-site directory as a hardened web container on a Docker host.",
        version: BerthVersion.current,
        subcommands: [
            PublishCommand.self, SitesCommand.self, StopCommand.self, StartCommand.self, RemoveCommand.self,
            VersionsCommand.self, RollbackCommand.self, LogsCommand.self, StatsCommand.self, HostsCommand.self,
            RenderCommand.self, PackCommand.self, ShellCommand.self,
            InitCommand.self,
        ]
    )
}
