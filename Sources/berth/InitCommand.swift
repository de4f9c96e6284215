import ArgumentParser
import BerthCore

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a commented berth.yml, a .dockerignore and a CI workflow into a site directory.",
        discussion: """
            berth.yml lists every key, commented out, with its default. The workflow \
            (.github/workflows/berth.yml) publishes the site from GitHub Actions with berth's image; its comments \
            say which variables and secrets to set. Existing files are never overwritten without --force.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The site directory (created when missing).", completion: .directory)
    var directory: String = "."

    @Flag(help: "Overwrite berth.yml, .dockerignore and the workflow when they exist.")
    var force = false

    func run() async throws {
        try await reportingErrors {
            try global.bootstrapLogging()
            let starter = StarterFiles.standard
            try starter.write(into: directory, overwrite: force)
            Console.status("wrote \(starter.files.map(\.path).joined(separator: ", ")) in \(directory)")
        }
    }
}
