import ArgumentParser
import BerthCore
import Foundation

struct PackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Write the exact build context publish would send to the Docker Engine, as a tar.",
        discussion: "The tar's SHA-256 digest and size are printed on standard error."
    )

    @OptionGroup var global: GlobalOptions

    @OptionGroup var siteOptions: SiteOptions

    @Option(name: [.short, .customLong("output")], help: "The tar file to write, or - for standard output.")
    var output: String

    func run() async throws {
        try await reportingErrors {
            try global.bootstrapLogging()
            let (_, _, context) = try siteOptions.buildContext()
            let summary = try await TarFileOutput.write(context.stream(), to: output)
            Console.status("\(summary.digest) \(summary.byteCount) bytes")
        }
    }
}
