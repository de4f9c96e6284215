import ArgumentParser
import BerthCore
import Foundation

struct PackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Write the exact build context publish would send to the Docker Engine, as a tar.",
        discussion: "The tar's SHA-256 digest and size are printed on standard error (with --json, as a JSON object "
            + "{\"digest\", \"bytes\", \"output\"} on standard output, or on standard error when the tar goes there)."
    )

    @OptionGroup var global: GlobalOptions

    @OptionGroup var siteOptions: SiteOptions

    @Option(name: [.short, .customLong("output")], help: "The tar file to write, or - for standard output.")
    var output: String

    @Flag(help: "Print the digest and size as JSON.")
    var json = false

    func run() async throws {
        try await reportingErrors(json: json && output != "-") {
            try global.bootstrapLogging()
            let (_, _, context) = try siteOptions.buildContext()
            let summary = try await TarFileOutput.write(context.stream(), to: output)
            guard json else {
                Console.status("\(summary.digest) \(summary.byteCount) bytes")
                return
            }
            let record = PackRecord(digest: summary.digest, bytes: summary.byteCount, output: output)
            if output == "-" {
                Console.writeError(try BerthJSON.line(record))
            } else {
                try Console.jsonLine(record)
            }
        }
    }
}
