/// The network every site container joins on a host: a bridge on which containers cannot reach one another
/// (inter-container communication off), so one user's site can never talk to another's container, while the
/// published ports still answer from outside. One shared network rather than one per user: the engine's default
/// address pools hold only about 30 bridge networks, and a host serves far more users than that.
public struct SiteNetwork: Sendable {
    public static let name = "berth-sites"
    static let purposeLabel = "berth.network"
    static let iccOption = "com.docker.network.bridge.enable_icc"

    public let engine: DockerEngine

    public init(engine: DockerEngine) {
        self.engine = engine
    }

    static var definition: NetworkCreate {
        NetworkCreate(name: name, options: [iccOption: "false"], labels: [purposeLabel: "sites"])
    }

    /// Makes sure the network exists, creating it on first use. A network of that name that berth did not make
    /// (or that lets containers talk) is refused rather than used.
    public func ensure() async throws {
        if let existing = try await engine.inspectNetwork(Self.name) {
            try Self.check(existing)
            return
        }
        do {
            _ = try await engine.createNetwork(Self.definition)
        } catch EngineError.conflict {
            // Another publish created it meanwhile.
            guard let existing = try await engine.inspectNetwork(Self.name) else { throw SiteNetworkError.vanished }
            try Self.check(existing)
        }
    }

    static func check(_ network: NetworkInspect) throws {
        guard network.labels?[purposeLabel] == "sites", network.driver == "bridge",
              network.options?[iccOption] == "false"
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
                + "another); berth runs every site on its own isolated network of that name: remove or rename it"
        case .vanished:
            return "the network \(SiteNetwork.name) was created and removed again while publishing; publish again"
        }
    }
}
