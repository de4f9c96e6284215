/// The network every site container joins on a host: a bridge on which containers cannot reach one another
/// (inter-container communication off), so one user's site can never talk to another's container, while the
/// published ports still answer from outside. One shared network rather than one per user: the engine's default
/// address pools hold only about 30 bridge networks, and a host serves far more users than that.
///
/// The same kind of value stands for the host's parking network (`parking(engine:)`).
public struct SiteNetwork: Sendable {
    public static let name = "berth-sites"
    public static let parkingName = "berth-parking"
    static let purposeLabel = "berth.network"
    static let iccOption = "com.docker.network.bridge.enable_icc"

    public let engine: any ContainerEngine
    let definition: NetworkCreate

    public init(engine: any ContainerEngine) {
        self.init(engine: engine, definition: Self.definition)
    }

    private init(engine: any ContainerEngine, definition: NetworkCreate) {
        self.engine = engine
        self.definition = definition
    }

    /// Where a site's next container starts while the previous one still holds the site's port (see
    /// `Replacement.prepareFinal`): internal, so that the engine publishes no port for a container on it alone, and as
    /// isolated as the sites' network. Joining the sites' network later publishes the container's port.
    public static func parking(engine: any ContainerEngine) -> SiteNetwork {
        SiteNetwork(engine: engine, definition: parkingDefinition)
    }

    static var definition: NetworkCreate {
        NetworkCreate(name: name, options: [iccOption: "false"], labels: [purposeLabel: "sites"])
    }

    static var parkingDefinition: NetworkCreate {
        NetworkCreate(name: parkingName, options: [iccOption: "false"], labels: [purposeLabel: "parking"],
                      internal: true)
    }

    /// Makes sure the network exists, creating it on first use, and returns its ID. A network of that name that
    /// berth did not make (or that lets containers talk) is refused rather than used.
    ///
    /// Publishes running at the same moment (`--jobs`, or two CI runners) may each create it: the engine does not
    /// prevent two networks of one name. Every publish then settles on the oldest, removes the others it can, and
    /// joins containers to it by ID, since the name has become ambiguous.
    public func ensure() async throws -> String {
        var networks = try await engine.listNetworks(named: definition.name)
        if networks.isEmpty {
            do {
                _ = try await engine.createNetwork(definition)
            } catch EngineError.conflict {
                // An engine that does refuse a second network of the name: another publish was first.
            }
            networks = try await engine.listNetworks(named: definition.name)
        }
        for network in networks { try check(network) }
        guard let oldest = Self.oldest(networks) else { throw SiteNetworkError.vanished }
        for extra in networks where extra.id != oldest.id {
            // One that a container has joined meanwhile stays: it is just as isolated.
            try? await engine.removeNetwork(extra.id)
        }
        return oldest.id
    }

    /// The gateway of the network if it exists and is berth's, without creating it (nil otherwise): a read that
    /// may come before the site's files are checked.
    public func existingGateway() async throws -> EdgeSourceAddress? {
        let networks = try await engine.listNetworks(named: definition.name)
        guard networks.count == 1, let network = networks.first, (try? check(network)) != nil else { return nil }
        return Self.gateway(of: network)
    }

    /// The network's (IPv4) gateway: where the engine's port proxy, and so the host's edge, connects to sites from.
    public func gateway() async throws -> EdgeSourceAddress? {
        let id = try await ensure()
        return try await engine.listNetworks(named: definition.name).first { $0.id == id }.flatMap(Self.gateway(of:))
    }

    private static func gateway(of network: NetworkInspect) -> EdgeSourceAddress? {
        network.ipam?.config?.lazy.compactMap { $0.gateway.flatMap(EdgeSourceAddress.init) }.first
    }

    /// Starts a site's container. When another publish has just made a second network of the name, the engine
    /// refuses to start any container on it ("network berth-sites is ambiguous"): the networks are settled as
    /// `ensure` does and the start is tried once more.
    func startContainer(_ id: String) async throws {
        do {
            try await engine.startContainer(id)
        } catch let error as EngineError where error.description.contains("is ambiguous") {
            _ = try await ensure()
            try await engine.startContainer(id)
        }
    }

    /// The network every publish settles on: the first created (by ID when two were created in the same instant).
    static func oldest(_ networks: [NetworkInspect]) -> NetworkInspect? {
        networks.min { first, second in
            let (firstTime, secondTime) = (first.created.flatMap(LogTime.init(rfc3339:)),
                                           second.created.flatMap(LogTime.init(rfc3339:)))
            if let firstTime, let secondTime, firstTime != secondTime { return firstTime < secondTime }
            return first.id < second.id
        }
    }

    func check(_ network: NetworkInspect) throws {
        guard network.labels?[Self.purposeLabel] == definition.labels[Self.purposeLabel], network.driver == "bridge",
              network.options?[Self.iccOption] == "false", (network.internal ?? false) == definition.internal
        else {
            throw SiteNetworkError.foreign(name: network.name)
        }
    }
}

public enum SiteNetworkError: Error, Sendable, CustomStringConvertible {
    case foreign(name: String)
    case vanished

    public var description: String {
        switch self {
        case .foreign(let name):
            return "a network named \(name) exists that berth did not create (or that lets containers reach one "
                + "another); berth runs sites on an isolated network of its own of that name, and leaves that one "
                + "alone: publishing to this host needs the name freed by whoever made it"
        case .vanished:
            return "the network \(SiteNetwork.name) was created and removed again while publishing; publish again"
        }
    }
}
