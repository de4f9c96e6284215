import ArgumentParser
import BerthCore
import Foundation

extension ServerKind: ExpressibleByArgument {}

extension ImageReference: ExpressibleByArgument {
    public init?(argument: String) {
        try? self.init(parsing: argument)
    }

    /// Parses `--base-image`, so that a bad value is a usage error (exit 64) that says what is wrong with it.
    static func parsingArgument(_ text: String) throws(ImageReferenceError) -> ImageReference {
        do {
            return try ImageReference(parsing: text)
        } catch {
            throw ImageReferenceError(value: error.value, source: "--base-image", reason: error.reason)
        }
    }
}

/// How a site's image is made: shared by render, pack and publish, so that render and pack show exactly what
/// publish builds.
struct ImageOptions: ParsableArguments {
    @Option(help: "The site's name (default: the directory's name).", transform: NameArgument.parse)
    var name: NameArgument?

    @Option(help: "The site's owner (default: $BERTH_USER, else the login name).", transform: NameArgument.parse)
    var user: NameArgument?

    @Option(help: "The web server: nginx or python (default: berth.yml's server, else nginx).")
    var server: ServerKind?

    @Option(name: .customLong("base-image"),
            help: "The image to build on (default: $BERTH_NGINX_IMAGE / $BERTH_PYTHON_IMAGE, else the official image).",
            transform: ImageReference.parsingArgument)
    var baseImage: ImageReference?

    @Flag(help: "Pack the content behind symlinks that point outside the site instead of refusing them.")
    var dereference = false

    @OptionGroup var templates: TemplateOptions
}

/// A site directory and how its image is made, for the commands that turn one into a build context.
struct SiteOptions: ParsableArguments {
    @Argument(help: "The site directory.", completion: .directory)
    var site: String

    @OptionGroup var image: ImageOptions

    var server: ServerKind? { image.server }
    var baseImage: ImageReference? { image.baseImage }
    var dereference: Bool { image.dereference }

    /// Loads the site and renders its build context.
    func buildContext(environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> (site: Site, server: ServerKind, context: BuildContext)
    {
        let site = try Site.load(path: self.site, dereference: dereference)
        let identity = try site.identity(name: image.name?.value,
                                         user: try UserChoice.owner(image.user, environment: environment))
        let server = self.server ?? site.config.server ?? .nginx
        let templates = try image.templates.locate(environment: environment)
        let baseImage = try server.baseImage(override: baseImage, environment: environment)
        let context = try site.buildContext(templates: templates, identity: identity, server: server,
                                            baseImage: baseImage)
        return (site, server, context)
    }
}
