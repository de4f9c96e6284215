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
    /// The host's edge (reverse proxy) when the hosts file gives it one: its sites are then reached through it.
    public var edge: EdgeSettings?

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
    /// With an edge, sites publish on loopback only: nothing reaches them but through the edge.
    public var bindAddress: String {
        edge != nil ? "127.0.0.1" : directBindAddress
    }

    /// Where a port must be published for berth to reach it directly (a staging container's check): loopback
    /// stays loopback, anything else listens on all interfaces.
    public var directBindAddress: String {
        address.hasPrefix("127.") || address == "localhost" ? "127.0.0.1" : "0.0.0.0"
    }

    /// A site's URL through the host's edge: `https://NAME/`, with the port when it is not 443.
    public func siteURL(_ hostname: EdgeHostname) -> String {
        let port = edge.map(\.httpsPort) ?? 443
        return "https://\(hostname.name)\(port == 443 ? "" : ":\(port)")/"
    }

    /// The URL of a site's container with these labels on its `port`: through the edge when the host has one
    /// and the site carries its names, else the published port's.
    public func siteURL(labels: [String: String], port: Int?) -> String? {
        if edge != nil, let name = EdgeLabel.hostnames(labels)?.first { return siteURL(name) }
        return port.map(url(port:))
    }

    public func url(port: Int) -> String {
        let host = address.contains(":") ? "[\(address)]" : address
        return "http://\(host):\(port)/"
    }
}
