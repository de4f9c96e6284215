/// The web server a site's image runs. Each has a directory of templates under `templates/`.
public enum ServerKind: String, Sendable, CaseIterable, Codable {
    case nginx
    case python

    /// The official image real users pull; overridden per run by `--base-image` or the environment.
    public var defaultBaseImage: ImageReference {
        switch self {
        case .nginx: ImageReference(knownValid: "nginx", tag: "1.27-alpine")
        case .python: ImageReference(knownValid: "python", tag: "3.12-alpine")
        }
    }

    /// The environment variable that points this server's templates at another base image.
    public var baseImageVariable: String {
        switch self {
        case .nginx: "BERTH_NGINX_IMAGE"
        case .python: "BERTH_PYTHON_IMAGE"
        }
    }

    /// The numeric, non-root user the server runs as (nginx's official uid; `nobody` for Python).
    public var runAsUser: String {
        switch self {
        case .nginx: "101:101"
        case .python: "65534:65534"
        }
    }

    /// The port the server listens on inside the container.
    public var containerPort: Int { 8080 }

    /// `override` (already parsed from `--base-image`), else the environment's variable, else the official image.
    /// Throws, naming the variable, when the environment's value is not a valid image reference.
    public func baseImage(override: ImageReference?, environment: [String: String])
        throws(ImageReferenceError) -> ImageReference
    {
        if let override { return override }
        if let fromEnvironment = environment[baseImageVariable], !fromEnvironment.isEmpty {
            do {
                return try ImageReference(parsing: fromEnvironment)
            } catch {
                throw ImageReferenceError(value: error.value, source: baseImageVariable, reason: error.reason)
            }
        }
        return defaultBaseImage
    }
}
