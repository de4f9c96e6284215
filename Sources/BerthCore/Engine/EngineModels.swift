/// What `GET /_ping` tells: the daemon's newest API and its operating system.
public struct EnginePing: Sendable, Equatable {
    /// The newest API the daemon speaks (its `Api-Version` header).
    public var daemonAPIVersion: EngineAPIVersion
    /// The version berth speaks with it: the lower of the daemon's and berth's newest.
    public var negotiatedAPIVersion: EngineAPIVersion
    /// `linux` or `windows` (the `OSType` header), when the daemon says.
    public var osType: String?

    public init(daemonAPIVersion: EngineAPIVersion, negotiatedAPIVersion: EngineAPIVersion, osType: String?) {
        self.daemonAPIVersion = daemonAPIVersion
        self.negotiatedAPIVersion = negotiatedAPIVersion
        self.osType = osType
    }
}

public struct EngineVersion: Decodable, Sendable, Equatable {
    public var version: String
    public var apiVersion: String
    public var minAPIVersion: String?
    public var os: String
    public var arch: String
    public var kernelVersion: String?

    enum CodingKeys: String, CodingKey {
        case version = "Version"
        case apiVersion = "ApiVersion"
        case minAPIVersion = "MinAPIVersion"
        case os = "Os"
        case arch = "Arch"
        case kernelVersion = "KernelVersion"
    }
}

public struct EngineInfo: Decodable, Sendable, Equatable {
    public var cpuCount: Int
    public var memoryTotal: Int64
    public var name: String
    public var serverVersion: String
    public var containers: Int?
    public var containersRunning: Int
    public var images: Int?
    public var operatingSystem: String?
    public var architecture: String?
    public var storageDriver: String?

    enum CodingKeys: String, CodingKey {
        case cpuCount = "NCPU"
        case memoryTotal = "MemTotal"
        case name = "Name"
        case serverVersion = "ServerVersion"
        case containers = "Containers"
        case containersRunning = "ContainersRunning"
        case images = "Images"
        case operatingSystem = "OperatingSystem"
        case architecture = "Architecture"
        case storageDriver = "Driver"
    }
}

public struct BuildOptions: Sendable, Equatable {
    /// Names to tag the image with (`name:tag`); each goes out as its own `t` parameter.
    public var tags: [String]
    public var labels: [String: String]
    /// Path of the Dockerfile inside the context.
    public var dockerfile: String
    public var buildArguments: [String: String]
    /// Remove intermediate containers after a successful build.
    public var removeIntermediateContainers: Bool
    /// Remove intermediate containers even when the build fails.
    public var alwaysRemoveIntermediateContainers: Bool
    /// Pull a newer base image even if one is present.
    public var pull: Bool
    /// Memory limit for build containers, in bytes.
    public var memoryLimit: Int64?
    public var noCache: Bool

    public init(
        tags: [String] = [],
        labels: [String: String] = [:],
        dockerfile: String = "Dockerfile",
        buildArguments: [String: String] = [:],
        removeIntermediateContainers: Bool = true,
        alwaysRemoveIntermediateContainers: Bool = true,
        pull: Bool = false,
        memoryLimit: Int64? = nil,
        noCache: Bool = false
    ) {
        self.tags = tags
        self.labels = labels
        self.dockerfile = dockerfile
        self.buildArguments = buildArguments
        self.removeIntermediateContainers = removeIntermediateContainers
        self.alwaysRemoveIntermediateContainers = alwaysRemoveIntermediateContainers
        self.pull = pull
        self.memoryLimit = memoryLimit
        self.noCache = noCache
    }
}

public struct ImageInspect: Decodable, Sendable, Equatable {
    public struct Config: Decodable, Sendable, Equatable {
        public var labels: [String: String]?
        public var user: String?
        public var cmd: [String]?
        public var entrypoint: [String]?
        public var exposedPorts: [String: EmptyObject]?
        public var workingDir: String?

        enum CodingKeys: String, CodingKey {
            case labels = "Labels"
            case user = "User"
            case cmd = "Cmd"
            case entrypoint = "Entrypoint"
            case exposedPorts = "ExposedPorts"
            case workingDir = "WorkingDir"
        }
    }

    public var id: String
    public var repoTags: [String]?
    public var repoDigests: [String]?
    public var created: String?
    public var size: Int64?
    public var architecture: String?
    public var os: String?
    public var config: Config?

    /// The image's labels (empty when it has none).
    public var labels: [String: String] { config?.labels ?? [:] }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case repoTags = "RepoTags"
        case repoDigests = "RepoDigests"
        case created = "Created"
        case size = "Size"
        case architecture = "Architecture"
        case os = "Os"
        case config = "Config"
    }
}

public struct ImageSummary: Decodable, Sendable, Equatable {
    public var id: String
    public var repoTags: [String]?
    /// Seconds since 1970.
    public var created: Int64
    public var size: Int64
    public var labels: [String: String]?

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case repoTags = "RepoTags"
        case created = "Created"
        case size = "Size"
        case labels = "Labels"
    }
}

/// What `DELETE /images/{name}` did: one entry per tag removed or layer deleted.
public struct ImageRemoval: Decodable, Sendable, Equatable {
    public var untagged: String?
    public var deleted: String?

    enum CodingKeys: String, CodingKey {
        case untagged = "Untagged"
        case deleted = "Deleted"
    }
}

/// `{}` in Docker's JSON, as in `ExposedPorts: {"80/tcp": {}}`.
public struct EmptyObject: Codable, Sendable, Equatable, Hashable {
    public init() {}
}
