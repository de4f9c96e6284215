/// The body of `POST /containers/create`: what to run and under which limits.
public struct ContainerCreate: Encodable, Sendable, Equatable {
    public var image: String
    public var labels: [String: String]
    public var user: String?
    /// `NAME=value` entries.
    public var environment: [String]
    public var command: [String]?
    /// Container ports such as `80/tcp`.
    public var exposedPorts: [String]
    public var healthcheck: Healthcheck?
    public var hostConfig: HostConfig

    public init(
        image: String,
        labels: [String: String] = [:],
        user: String? = nil,
        environment: [String] = [],
        command: [String]? = nil,
        exposedPorts: [String] = [],
        healthcheck: Healthcheck? = nil,
        hostConfig: HostConfig = HostConfig()
    ) {
        self.image = image
        self.labels = labels
        self.user = user
        self.environment = environment
        self.command = command
        self.exposedPorts = exposedPorts
        self.healthcheck = healthcheck
        self.hostConfig = hostConfig
    }

    enum CodingKeys: String, CodingKey {
        case image = "Image"
        case labels = "Labels"
        case user = "User"
        case environment = "Env"
        case command = "Cmd"
        case exposedPorts = "ExposedPorts"
        case healthcheck = "Healthcheck"
        case hostConfig = "HostConfig"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(image, forKey: .image)
        try container.encode(labels, forKey: .labels)
        try container.encodeIfPresent(user, forKey: .user)
        try container.encode(environment, forKey: .environment)
        try container.encodeIfPresent(command, forKey: .command)
        let ports = Dictionary(exposedPorts.map { ($0, EmptyObject()) }, uniquingKeysWith: { first, _ in first })
        try container.encode(ports, forKey: .exposedPorts)
        try container.encodeIfPresent(healthcheck, forKey: .healthcheck)
        try container.encode(hostConfig, forKey: .hostConfig)
    }
}

public struct Healthcheck: Encodable, Sendable, Equatable {
    /// `["CMD", "curl", "-f", "http://localhost/"]` or `["CMD-SHELL", "…"]`.
    public var test: [String]
    public var interval: Duration?
    public var timeout: Duration?
    public var startPeriod: Duration?
    public var retries: Int?

    public init(
        test: [String],
        interval: Duration? = nil,
        timeout: Duration? = nil,
        startPeriod: Duration? = nil,
        retries: Int? = nil
    ) {
        self.test = test
        self.interval = interval
        self.timeout = timeout
        self.startPeriod = startPeriod
        self.retries = retries
    }

    enum CodingKeys: String, CodingKey {
        case test = "Test"
        case interval = "Interval"
        case timeout = "Timeout"
        case startPeriod = "StartPeriod"
        case retries = "Retries"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(test, forKey: .test)
        // The API takes durations in nanoseconds.
        try container.encodeIfPresent(interval.map(Self.nanoseconds), forKey: .interval)
        try container.encodeIfPresent(timeout.map(Self.nanoseconds), forKey: .timeout)
        try container.encodeIfPresent(startPeriod.map(Self.nanoseconds), forKey: .startPeriod)
        try container.encodeIfPresent(retries, forKey: .retries)
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

public struct PortBinding: Codable, Sendable, Equatable, Hashable {
    public var hostIP: String?
    public var hostPort: String?

    public init(hostIP: String? = nil, hostPort: String?) {
        self.hostIP = hostIP
        self.hostPort = hostPort
    }

    enum CodingKeys: String, CodingKey {
        case hostIP = "HostIp"
        case hostPort = "HostPort"
    }
}

public struct RestartPolicy: Codable, Sendable, Equatable {
    /// `no`, `always`, `unless-stopped` or `on-failure`.
    public var name: String
    public var maximumRetryCount: Int?

    public init(name: String, maximumRetryCount: Int? = nil) {
        self.name = name
        self.maximumRetryCount = maximumRetryCount
    }

    public static let unlessStopped = RestartPolicy(name: "unless-stopped")
    public static let always = RestartPolicy(name: "always")
    public static let no = RestartPolicy(name: "no")

    enum CodingKeys: String, CodingKey {
        case name = "Name"
        case maximumRetryCount = "MaximumRetryCount"
    }
}

public struct HostConfig: Encodable, Sendable, Equatable {
    /// Container port (`80/tcp`) to the host addresses it is published on.
    public var portBindings: [String: [PortBinding]]
    /// Memory limit in bytes.
    public var memory: Int64?
    /// Memory plus swap in bytes; equal to `memory` forbids swap.
    public var memorySwap: Int64?
    /// CPU quota in billionths of a CPU.
    public var nanoCPUs: Int64?
    public var restartPolicy: RestartPolicy?
    public var readonlyRootfs: Bool?
    /// Mount point to mount options, e.g. `/tmp: "rw,noexec,nosuid,size=16m"`.
    public var tmpfs: [String: String]?
    public var capDrop: [String]?
    public var capAdd: [String]?
    public var securityOpt: [String]?
    public var pidsLimit: Int64?
    /// The network the container joins (`bridge` when nil; `host` for the host's own network).
    public var networkMode: String?
    /// Named volumes mounted into the container.
    public var volumeMounts: [VolumeMount]?

    public init(
        portBindings: [String: [PortBinding]] = [:],
        memory: Int64? = nil,
        memorySwap: Int64? = nil,
        nanoCPUs: Int64? = nil,
        restartPolicy: RestartPolicy? = nil,
        readonlyRootfs: Bool? = nil,
        tmpfs: [String: String]? = nil,
        capDrop: [String]? = nil,
        capAdd: [String]? = nil,
        securityOpt: [String]? = nil,
        pidsLimit: Int64? = nil,
        networkMode: String? = nil,
        volumeMounts: [VolumeMount]? = nil
    ) {
        self.portBindings = portBindings
        self.memory = memory
        self.memorySwap = memorySwap
        self.nanoCPUs = nanoCPUs
        self.restartPolicy = restartPolicy
        self.readonlyRootfs = readonlyRootfs
        self.tmpfs = tmpfs
        self.capDrop = capDrop
        self.capAdd = capAdd
        self.securityOpt = securityOpt
        self.pidsLimit = pidsLimit
        self.networkMode = networkMode
        self.volumeMounts = volumeMounts
    }

    enum CodingKeys: String, CodingKey {
        case networkMode = "NetworkMode"
        case volumeMounts = "Mounts"
        case portBindings = "PortBindings"
        case memory = "Memory"
        case memorySwap = "MemorySwap"
        case nanoCPUs = "NanoCpus"
        case restartPolicy = "RestartPolicy"
        case readonlyRootfs = "ReadonlyRootfs"
        case tmpfs = "Tmpfs"
        case capDrop = "CapDrop"
        case capAdd = "CapAdd"
        case securityOpt = "SecurityOpt"
        case pidsLimit = "PidsLimit"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(portBindings, forKey: .portBindings)
        try container.encodeIfPresent(memory, forKey: .memory)
        try container.encodeIfPresent(memorySwap, forKey: .memorySwap)
        try container.encodeIfPresent(nanoCPUs, forKey: .nanoCPUs)
        try container.encodeIfPresent(restartPolicy, forKey: .restartPolicy)
        try container.encodeIfPresent(readonlyRootfs, forKey: .readonlyRootfs)
        try container.encodeIfPresent(tmpfs, forKey: .tmpfs)
        try container.encodeIfPresent(capDrop, forKey: .capDrop)
        try container.encodeIfPresent(capAdd, forKey: .capAdd)
        try container.encodeIfPresent(securityOpt, forKey: .securityOpt)
        try container.encodeIfPresent(pidsLimit, forKey: .pidsLimit)
        try container.encodeIfPresent(networkMode, forKey: .networkMode)
        try container.encodeIfPresent(volumeMounts, forKey: .volumeMounts)
    }
}

/// A named volume mounted at `target` (created by the engine on first use).
public struct VolumeMount: Encodable, Sendable, Equatable {
    public var volume: String
    public var target: String

    public init(volume: String, target: String) {
        self.volume = volume
        self.target = target
    }

    enum CodingKeys: String, CodingKey {
        case type = "Type"
        case volume = "Source"
        case target = "Target"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("volume", forKey: .type)
        try container.encode(volume, forKey: .volume)
        try container.encode(target, forKey: .target)
    }
}

public struct ContainerInspect: Decodable, Sendable, Equatable {
    public struct State: Decodable, Sendable, Equatable {
        public struct Health: Decodable, Sendable, Equatable {
            /// `starting`, `healthy` or `unhealthy`.
            public var status: String

            enum CodingKeys: String, CodingKey {
                case status = "Status"
            }
        }

        /// `created`, `running`, `paused`, `restarting`, `removing`, `exited` or `dead`.
        public var status: String
        public var running: Bool
        public var exitCode: Int
        public var startedAt: String?
        public var finishedAt: String?
        public var oomKilled: Bool?
        public var health: Health?

        enum CodingKeys: String, CodingKey {
            case status = "Status"
            case running = "Running"
            case exitCode = "ExitCode"
            case startedAt = "StartedAt"
            case finishedAt = "FinishedAt"
            case oomKilled = "OOMKilled"
            case health = "Health"
        }
    }

    public struct Config: Decodable, Sendable, Equatable {
        public var image: String?
        public var labels: [String: String]?
        public var tty: Bool?
        public var user: String?
        public var env: [String]?

        enum CodingKeys: String, CodingKey {
            case image = "Image"
            case labels = "Labels"
            case tty = "Tty"
            case user = "User"
            case env = "Env"
        }
    }

    public struct HostConfig: Decodable, Sendable, Equatable {
        public var memory: Int64?
        public var memorySwap: Int64?
        public var nanoCPUs: Int64?
        public var readonlyRootfs: Bool?
        public var restartPolicy: RestartPolicy?
        public var portBindings: [String: [PortBinding]?]?
        public var networkMode: String?
        public var capDrop: [String]?
        public var capAdd: [String]?
        public var securityOpt: [String]?
        public var pidsLimit: Int64?
        /// Mount point to mount options, as given at create.
        public var tmpfs: [String: String]?
        public var privileged: Bool?
        /// `SOURCE:TARGET[:OPTIONS]` bind mounts.
        public var binds: [String]?

        enum CodingKeys: String, CodingKey {
            case networkMode = "NetworkMode"
            case memory = "Memory"
            case memorySwap = "MemorySwap"
            case nanoCPUs = "NanoCpus"
            case readonlyRootfs = "ReadonlyRootfs"
            case restartPolicy = "RestartPolicy"
            case portBindings = "PortBindings"
            case capDrop = "CapDrop"
            case capAdd = "CapAdd"
            case securityOpt = "SecurityOpt"
            case pidsLimit = "PidsLimit"
            case tmpfs = "Tmpfs"
            case privileged = "Privileged"
            case binds = "Binds"
        }
    }

    /// A volume or bind mount of the container.
    public struct Mount: Decodable, Sendable, Equatable {
        /// `bind`, `volume`, `tmpfs`…
        public var type: String?
        public var source: String?
        public var destination: String?

        enum CodingKeys: String, CodingKey {
            case type = "Type"
            case source = "Source"
            case destination = "Destination"
        }
    }

    public struct NetworkSettings: Decodable, Sendable, Equatable {
        public struct Endpoint: Decodable, Sendable, Equatable {
            public var ipAddress: String?

            enum CodingKeys: String, CodingKey {
                case ipAddress = "IPAddress"
            }
        }

        /// Container port (`80/tcp`) to where it is published; nil for a port exposed but not published.
        public var ports: [String: [PortBinding]?]?
        /// The networks the container is on, by name.
        public var networks: [String: Endpoint]?

        enum CodingKeys: String, CodingKey {
            case ports = "Ports"
            case networks = "Networks"
        }
    }

    public var id: String
    /// With Docker's leading `/`.
    public var name: String
    public var created: String
    /// The image ID (`sha256:…`); `config.image` holds the name it was created from.
    public var image: String
    public var restartCount: Int?
    public var state: State
    public var config: Config
    public var hostConfig: HostConfig
    public var networkSettings: NetworkSettings?
    public var mounts: [Mount]?

    public var labels: [String: String] { config.labels ?? [:] }

    /// The name without Docker's leading `/`.
    public var plainName: String { name.hasPrefix("/") ? String(name.dropFirst()) : name }

    /// The host ports the engine publishes for the container (any container port); empty while it publishes none.
    public var publishedHostPorts: [Int] {
        let bindings = (networkSettings?.ports ?? [:]).values.compactMap { $0 }.flatMap { $0 }
        return bindings.compactMap { $0.hostPort.flatMap(Int.init) }
    }

    /// The host bindings of a container port such as `80/tcp` (empty when it is not published).
    public func publishedBindings(of containerPort: String) -> [PortBinding] {
        (networkSettings?.ports?[containerPort] ?? nil) ?? []
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case name = "Name"
        case created = "Created"
        case image = "Image"
        case restartCount = "RestartCount"
        case state = "State"
        case config = "Config"
        case hostConfig = "HostConfig"
        case networkSettings = "NetworkSettings"
        case mounts = "Mounts"
    }
}

public struct ContainerSummary: Decodable, Sendable, Equatable {
    public struct Port: Decodable, Sendable, Equatable {
        public var ip: String?
        public var privatePort: Int
        public var publicPort: Int?
        public var type: String

        enum CodingKeys: String, CodingKey {
            case ip = "IP"
            case privatePort = "PrivatePort"
            case publicPort = "PublicPort"
            case type = "Type"
        }
    }

    public var id: String
    /// With Docker's leading `/`.
    public var names: [String]
    public var image: String
    public var imageID: String?
    /// Seconds since 1970.
    public var created: Int64
    /// `created`, `running`, `exited`, …
    public var state: String
    /// Human text such as "Up 3 minutes".
    public var status: String
    public var labels: [String: String]?
    public var ports: [Port]?

    /// The first name without Docker's leading `/`.
    public var name: String? {
        names.first.map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case names = "Names"
        case image = "Image"
        case imageID = "ImageID"
        case created = "Created"
        case state = "State"
        case status = "Status"
        case labels = "Labels"
        case ports = "Ports"
    }
}

struct ContainerCreated: Decodable, Sendable {
    var id: String
    var warnings: [String]?

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case warnings = "Warnings"
    }
}

/// One sample of `GET /containers/{id}/stats`. Every field is optional: a stopped container reports almost none.
public struct ContainerStats: Decodable, Sendable, Equatable {
    public struct CPUUsage: Decodable, Sendable, Equatable {
        public var totalUsage: UInt64?
        public var perCPUUsage: [UInt64]?

        enum CodingKeys: String, CodingKey {
            case totalUsage = "total_usage"
            case perCPUUsage = "percpu_usage"
        }
    }

    public struct CPUStats: Decodable, Sendable, Equatable {
        public var cpuUsage: CPUUsage?
        public var systemCPUUsage: UInt64?
        public var onlineCPUs: Int?

        enum CodingKeys: String, CodingKey {
            case cpuUsage = "cpu_usage"
            case systemCPUUsage = "system_cpu_usage"
            case onlineCPUs = "online_cpus"
        }
    }

    public struct MemoryStats: Decodable, Sendable, Equatable {
        public var usage: UInt64?
        public var limit: UInt64?
        public var stats: [String: UInt64]?
    }

    public struct NetworkStats: Decodable, Sendable, Equatable {
        public var rxBytes: UInt64
        public var txBytes: UInt64

        enum CodingKeys: String, CodingKey {
            case rxBytes = "rx_bytes"
            case txBytes = "tx_bytes"
        }
    }

    public struct PIDsStats: Decodable, Sendable, Equatable {
        public var current: UInt64?
    }

    /// When the sample was taken (RFC 3339).
    public var read: String?
    public var cpuStats: CPUStats?
    public var preCPUStats: CPUStats?
    public var memoryStats: MemoryStats?
    public var networks: [String: NetworkStats]?
    public var pidsStats: PIDsStats?

    enum CodingKeys: String, CodingKey {
        case read
        case cpuStats = "cpu_stats"
        case preCPUStats = "precpu_stats"
        case memoryStats = "memory_stats"
        case networks
        case pidsStats = "pids_stats"
    }

    /// CPU use since the previous sample, as the docker CLI computes it: 100 % is one full CPU.
    public var cpuPercent: Double? {
        guard let total = cpuStats?.cpuUsage?.totalUsage, let previousTotal = preCPUStats?.cpuUsage?.totalUsage,
            let system = cpuStats?.systemCPUUsage, let previousSystem = preCPUStats?.systemCPUUsage,
            total >= previousTotal, system > previousSystem
        else { return nil }
        let cpus = cpuStats?.onlineCPUs ?? cpuStats?.cpuUsage?.perCPUUsage?.count ?? 1
        let cpuDelta = Double(total - previousTotal)
        let systemDelta = Double(system - previousSystem)
        return cpuDelta / systemDelta * Double(max(cpus, 1)) * 100
    }

    /// Memory in use without the page cache the kernel can drop, as the docker CLI shows it.
    public var memoryUsageBytes: UInt64? {
        guard let usage = memoryStats?.usage else { return nil }
        let stats = memoryStats?.stats ?? [:]
        // cgroup v1 reports total_inactive_file, cgroup v2 inactive_file.
        let reclaimable = stats["total_inactive_file"] ?? stats["inactive_file"] ?? 0
        return usage > reclaimable ? usage - reclaimable : usage
    }

    public var memoryLimitBytes: UInt64? { memoryStats?.limit }

    public var networkReceivedBytes: UInt64 {
        networks?.values.reduce(0) { $0 + $1.rxBytes } ?? 0
    }

    public var networkSentBytes: UInt64 {
        networks?.values.reduce(0) { $0 + $1.txBytes } ?? 0
    }
}
