import NIOHTTP1

/// A network as `POST /networks/create` takes it.
public struct NetworkCreate: Encodable, Sendable, Equatable {
    public var name: String
    public var driver: String
    /// Driver options, e.g. `com.docker.network.bridge.enable_icc`.
    public var options: [String: String]
    public var labels: [String: String]

    public init(name: String, driver: String = "bridge", options: [String: String] = [:],
                labels: [String: String] = [:]) {
        self.name = name
        self.driver = driver
        self.options = options
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey {
        case name = "Name"
        case driver = "Driver"
        case options = "Options"
        case labels = "Labels"
        case checkDuplicate = "CheckDuplicate"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(driver, forKey: .driver)
        try container.encode(options, forKey: .options)
        try container.encode(labels, forKey: .labels)
        // Engines before API 1.44 create a second network of the same name unless told not to.
        try container.encode(true, forKey: .checkDuplicate)
    }
}

/// What `GET /networks/{id}` tells about a network.
public struct NetworkInspect: Decodable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var driver: String
    public var options: [String: String]?
    public var labels: [String: String]?

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case name = "Name"
        case driver = "Driver"
        case options = "Options"
        case labels = "Labels"
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

    /// Creates a network and returns its ID; a name already in use fails with `.conflict`.
    public func createNetwork(_ network: NetworkCreate) async throws -> String {
        var request = EngineRequest(method: .POST, path: "/networks/create")
        try request.setJSONBody(network)
        return try await sendForJSON(request, as: NetworkCreated.self, operation: "create the network \(network.name)").id
    }

    public func removeNetwork(_ name: String) async throws {
        try await send(
            EngineRequest(method: .DELETE, path: "/networks/\(EngineQuery.percentEncodePath(name))"),
            operation: "remove the network \(name)",
            notFound: "network \(name)"
        )
    }
}
