/// Which host port a site is published on.
public enum PortRequest: Sendable, Equatable, CustomStringConvertible {
    /// Keep the port the site already has, else pick a free one from the host's range.
    case auto
    case fixed(Int)

    public init(parsing text: String) throws(PublishError) {
        if text == "auto" {
            self = .auto
        } else if let port = Int(text), (1...65535).contains(port) {
            self = .fixed(port)
        } else {
            throw PublishError.invalidOption("port '\(text)' must be auto or a number from 1 to 65535")
        }
    }

    public var description: String {
        switch self {
        case .auto: "auto"
        case .fixed(let port): "\(port)"
        }
    }
}

/// What the person or CI job asked for; anything left nil comes from the site's `berth.yml`, then the defaults.
public struct PublishOptions: Sendable {
    public var siteName: String?
    public var user: String
    public var server: ServerKind?
    public var baseImage: ImageReference?
    public var memory: MemoryLimit?
    public var port: PortRequest?
    public var registry: String?
    /// The version tag; by default derived from the build context's digest.
    public var tag: String?
    public var dereference: Bool
    /// How long the new container has to answer 200 on `/`.
    public var checkTimeout: Duration
    /// How long to wait for another publish or rollback of the same site to finish.
    public var lockWait: Duration
    /// How many versions' images stay on the host after a publish (the new one included); older ones are removed.
    public var keepVersions: Int
    /// `--pull`: pull the base image before building, so that a patched one is built on.
    public var pullBaseImage = false
    /// `--domain`: names the host's edge serves the site under, besides its default one.
    public var domains: [EdgeHostname] = []

    public init(siteName: String? = nil, user: String, server: ServerKind? = nil, baseImage: ImageReference? = nil,
                memory: MemoryLimit? = nil, port: PortRequest? = nil, registry: String? = nil, tag: String? = nil,
                dereference: Bool = false, checkTimeout: Duration = .seconds(30), lockWait: Duration = .seconds(120),
                keepVersions: Int = PublishOptions.defaultKeptVersions) {
        self.siteName = siteName
        self.user = user
        self.server = server
        self.baseImage = baseImage
        self.memory = memory
        self.port = port
        self.registry = registry
        self.tag = tag
        self.dereference = dereference
        self.checkTimeout = checkTimeout
        self.lockWait = lockWait
        self.keepVersions = keepVersions
    }

    public static let defaultKeptVersions = 5
}
