import NIOHTTP1

/// A network as `POST /networks/create` takes it.
public struct NetworkCreate: Encodable, Sendable, Equatable {
    public var name: String
    public var driver: String
    /// Driver options, e.g. `com.docker.network.bridge.enable_icc`.
    public var options: [String: String]
    public var labels: [String: String]
    /// A network with no route out: the engine publishes no port for a container on it alone.
    public var `internal`: Bool
    /// Ask the engine to refuse a name in use. Engines before API 1.44 create a second network of the same name
    /// without it, and even with it when two requests come at the same moment.
    public var checkDuplicate: Bool

    public init(name: String, driver: String = "bridge", options: [String: String] = [:],
                labels: [String: String] = [:], internal: Bool = false, checkDuplicate: Bool = true) {
        self.name = name
        self.internal = `internal`
        self.driver = driver
        self.options = options
        self.labels = labels
        self.checkDuplicate = checkDuplicate
    }

    enum CodingKeys: String, CodingKey {
        case name = "Name"
        case driver = "Driver"
        case options = "Options"
        case labels = "Labels"
        case `internal` = "Internal"
        case checkDuplicate = "CheckDuplicate"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(driver, forKey: .driver)
        try container.encode(options, forKey: .options)
        try container.encode(labels, forKey: .labels)
        try container.encode(`internal`, forKey: .internal)
        try container.encode(checkDuplicate, forKey: .checkDuplicate)
    }
}

/// What `GET /networks` and `GET /networks/{id}` tell about a network.
public struct NetworkInspect: Decodable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// RFC 3339, as the daemon wrote it.
    public var created: String?
    public var driver: String
    public var options: [String: String]?
    public var labels: [String: String]?
    public var `internal`: Bool?
    public var ipam: IPAM?

    /// The network's address plan: its subnets and their gateways.
    public struct IPAM: Decodable, Sendable, Equatable {
        public struct Config: Decodable, Sendable, Equatable {
            public var subnet: String?
            public var gateway: String?

            enum CodingKeys: String, CodingKey {
                case subnet = "Subnet"
                case gateway = "Gateway"
            }
        }

        public var config: [Config]?

        enum CodingKeys: String, CodingKey {
            case config = "Config"
        }
    }

    enum CodingKeys: String, CodingKey {
        case ipam = "IPAM"
        case id = "Id"
        case name = "Name"
        case created = "Created"
        case driver = "Driver"
        case options = "Options"
        case labels = "Labels"
        case `internal` = "Internal"
    }
}

struct NetworkCreated: Decodable, Sendable {
    var id: String

    enum CodingKeys: String, CodingKey {
        case id = "Id"
    }
}

extension DockerEngine {
    /// The network named `name`, or nil when there is none.
    public func inspectNetwork(_ name: String) async throws -> NetworkInspect? {
        try await inspect(NetworkInspect.self, path: "/networks/\(EngineQuery.percentEncodePath(name))",
                          what: "network \(name)")
    }

    /// The networks named exactly `name` (the daemon's name filter also matches parts of names). There can be
    /// several: engines create two networks of one name when asked at the same moment.
    public func listNetworks(named name: String) async throws -> [NetworkInspect] {
        var query = EngineQuery()
        query.add("filters", try Self.jsonText(["name": [name]]))
        let networks = try await getJSON([NetworkInspect].self, path: "/networks", query: query,
                                         operation: "list the networks named \(name)")
        return networks.filter { $0.name == name }
    }

    /// Creates a network and returns its ID; a name already in use fails with `.conflict`.
    public func createNetwork(_ network: NetworkCreate) async throws -> String {
        var request = EngineRequest(method: .POST, path: "/networks/create")
        try request.setJSONBody(network)
        return try await sendForJSON(request, as: NetworkCreated.self, operation: "create the network \(network.name)").id
    }

    /// Joins a container to a network. A running container that had no published port (it was on an internal
    /// network alone) gets its port bindings now, or the call fails when a port is taken.
    public func connectNetwork(_ network: String, container: String) async throws {
        try await changeMembership("connect", network: network, container: container,
                                   operation: "connect the container \(container) to the network \(network)")
    }

    public func disconnectNetwork(_ network: String, container: String) async throws {
        try await changeMembership("disconnect", network: network, container: container,
                                   operation: "disconnect the container \(container) from the network \(network)")
    }

    /// `POST /networks/{network}/connect` or `…/disconnect` of one container.
    private func changeMembership(_ action: String, network: String, container: String, operation: String)
        async throws
    {
        var request = EngineRequest(method: .POST,
                                    path: "/networks/\(EngineQuery.percentEncodePath(network))/\(action)")
        try request.setJSONBody(["Container": container])
        try await send(request, operation: operation, notFound: "network \(network) or container \(container)")
    }

    public func removeNetwork(_ name: String) async throws {
        try await send(
            EngineRequest(method: .DELETE, path: "/networks/\(EngineQuery.percentEncodePath(name))"),
            operation: "remove the network \(name)",
            notFound: "network \(name)"
        )
    }
}
