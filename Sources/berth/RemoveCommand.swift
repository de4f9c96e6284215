import ArgumentParser
import BerthCore
import Foundation

struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove a site's container (running or not), and with --images the images of all its versions.",
        discussion: "Images pushed to a registry stay there unless --registry is given with --images."
    )

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: SiteArguments

    @Flag(help: "Also remove the site's images on the host (every kept version).")
    var images = false

    @Flag(help: "With --images, also delete the site's copies in the registries they were pushed to (and $BERTH_REGISTRY or the inventory's).")
    var registry = false

    @OptionGroup var lock: LockOptions

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        if registry && !images {
            throw ValidationError("--registry deletes the site's images from the registry too; give it with --images")
        }
    }

    func run() async throws {
        try await reportingErrors(json: json) {
            try global.bootstrapLogging()
            let removal = try await target.operations().remove(site: target.site, user: try target.user(),
                                                               images: images, registry: registry,
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
            if let deleted = removal.removedFromRegistry {
                parts.append(deleted.isEmpty ? "nothing in the registry" : "from the registry \(deleted.joined(separator: ", "))")
            }
            Console.writeOutput("removed \(removal.user)/\(removal.site) from \(removal.host): "
                + parts.joined(separator: ", ") + "\n")
        }
    }
}
