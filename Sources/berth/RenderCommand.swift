import ArgumentParser
import BerthCore
import Foundation

struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print the Dockerfile that publish would build, or write it and the server's configuration to a directory."
    )

    @OptionGroup var global: GlobalOptions

    @OptionGroup var siteOptions: SiteOptions

    @Option(help: "Write the Dockerfile and the server's configuration files into this directory.",
            completion: .directory)
    var out: String?

    @Flag(help: "Print the rendered files as one JSON object: {\"server\", \"files\": [{\"name\", \"contents\"}]}.")
    var json = false

    func run() async throws {
        try await reportingErrors(json: json) {
            try global.bootstrapLogging()
            let (_, server, context) = try siteOptions.buildContext()
            if json && out == nil {
                try Console.jsonLine(RenderedFilesRecord(server: server, files: context.rootFiles))
                return
            }
            guard let out else {
                if let dockerfile = context.rootFiles.first(where: { $0.name == "Dockerfile" }) {
                    Console.writeOutput(dockerfile.contents)
                }
                return
            }
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                for file in context.rootFiles {
                    try Data(file.contents.utf8).write(to: URL(fileURLWithPath: out).appendingPathComponent(file.name))
                }
            } catch {
                throw CommandError("cannot write to '\(out)': \(error.localizedDescription)")
            }
            Console.status("wrote \(context.rootFiles.map(\.name).joined(separator: ", ")) to \(out)")
        }
    }
}
