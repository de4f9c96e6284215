import ArgumentParser
import BerthCore
import Foundation

struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove a site's container (running or not), and with --images the images of all its versions.",
        discussion: "Images pushed to a registry stay there; only the host's copies are removed."
    )

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: SiteArguments

    @Flag(help: "Also remove the site's images on the host (every kept version).")
    var images = false

    @OptionGroup var lock: LockOptions

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func run() async throws {
        try await reportingErrors(json: json) {
            try global.bootstrapLogging()
            let control = try target.control()
            let removal = try await control.remove(site: target.site, user: try target.user(), removeImages: images,
                                                lockWait: lock.duration)
            if json {
                try Console.jsonLine(removal)
                return
            }
            var parts: [String] = []
            if removal.containerID != nil { parts.append("container \(removal.containerName)") }
            if images {
                parts.append(removal.removedVersions.isEmpty
                    ? "no images" : "images of \(removal.removedVersions.joined(separator: ", "))")
            }
            Console.writeOutput("removed \(removal.user)/\(removal.site) from \(removal.host): "
                + parts.joined(separator: ", ") + "\n")
        }
    }
}
