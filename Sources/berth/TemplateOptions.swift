import ArgumentParser
import BerthCore
import Foundation

/// `--templates DIR`: build from one's own templates instead of those built into berth.
struct TemplateOptions: ParsableArguments {
    @Option(name: .customLong("templates"),
            help: ArgumentHelp("Render from the templates in this directory (SERVER/Dockerfile.mustache, …) instead of the built-in ones (default: $BERTH_TEMPLATES, else built in).",
                               valueName: "dir"),
            completion: .directory)
    var directory: String?

    func validate() throws {
        guard let directory else { return }
        do {
            _ = try TemplateSet.locate(override: directory, environment: [:])
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// `--templates`, else `BERTH_TEMPLATES`, else the templates built into berth.
    func locate(environment: [String: String]) throws -> TemplateSet {
        try TemplateSet.locate(override: directory, environment: environment)
    }
}
