/// A Docker host berth can publish to: a name, the Engine endpoint, and where its published ports are reached.
public struct DockerHost: Sendable, Equatable {
    public var name: String
    public var endpoint: DockerEndpoint
    /// The address clients use to reach ports published on this host.
    public var address: String
    /// Host ports berth may pick from when a site asks for `--port auto`.
    public var ports: ClosedRange<Int>
    /// Memory berth may hand out to sites on this host; nil means the Engine's total memory.
    public var memory: MemoryLimit?

    public static let defaultPorts = 20000...20999

    public init(name: String, endpoint: DockerEndpoint, address: String? = nil, ports: ClosedRange<Int> = defaultPorts,
                memory: MemoryLimit? = nil) {
        self.name = name
        self.endpoint = endpoint
        self.address = address ?? Self.defaultAddress(for: endpoint)
        self.ports = ports
        self.memory = memory
    }

    /// The endpoint's own host for TCP; loopback for a local socket.
    static func defaultAddress(for endpoint: DockerEndpoint) -> String {
        switch endpoint.transport {
        case .unix: "127.0.0.1"
        case .tcp(let host, _), .tls(let host, _, _): host
        }
    }

    /// The address to bind published ports to: loopback stays loopback, anything else listens on all interfaces.
    public var bindAddress: String {
        address.hasPrefix("127.") || address == "localhost" ? "127.0.0.1" : "0.0.0.0"
    }

    public func url(port: Int) -> String {
        let host = address.contains(":") ? "[\(address)]" : address
        return "http://\(host):\(port)/"
    }
}
