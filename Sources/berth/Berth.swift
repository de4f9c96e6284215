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
            EdgeCommand.self,
            RenderCommand.self, PackCommand.self, ShellCommand.self,
            InitCommand.self, PasswdCommand.self, ServeCommand.self, AdminCommand.self, LoginCommand.self,
            LogoutCommand.self,
        ]
    )

    /// ArgumentParser's own `main()`, after standard output is made safe to lose (see `StandardOutput`).
    static func main() async {
        StandardOutput.prepare()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
