/// Where the edge reaches a site: an address and port it dials. Today a port the site's container publishes on
/// the host's loopback (the edge runs in the host's network); the route model does not depend on that, so an
/// upstream reached by a DNS name (`tasks.site:8080` on an overlay network) fits the same table later.
public struct EdgeUpstream: Sendable, Hashable, CustomStringConvertible {
    public enum Address: Sendable, Hashable {
        case loopback
    }

    public var address: Address
    public var port: Int

    public static func loopback(_ port: Int) -> EdgeUpstream { EdgeUpstream(address: .loopback, port: port) }

    /// What Caddy dials: `127.0.0.1:PORT`. Only a validated port number goes into it.
    public var dial: String {
        switch address {
        case .loopback: "127.0.0.1:\(port)"
        }
    }

    public var description: String { dial }
}

/// One site as the edge serves it: its names, the upstreams that may carry it (tried in order: the first that
/// answers serves), and whether it is running at all (a stopped site's names answer 503).
public struct EdgeRoute: Sendable, Hashable {
    public var identity: SiteIdentity
    public var hostnames: [EdgeHostname]
    public var upstreams: [EdgeUpstream]
    public var serving: Bool

    public init(identity: SiteIdentity, hostnames: [EdgeHostname], upstreams: [EdgeUpstream], serving: Bool) {
        self.identity = identity
        self.hostnames = hostnames
        self.upstreams = upstreams
        self.serving = serving
    }
}

/// The labels on a site's container that the edge's routes are derived from.
public enum EdgeLabel {
    /// Every name the site is served under, comma-separated: its default name first, then its own domains.
    public static let domains = "berth.domains"
    /// The two host ports (comma-separated) the site's containers take turns on: a new version starts on the one
    /// the running version does not use, so a switch needs no change of the edge's configuration.
    public static let upstreams = "berth.edge.upstreams"

    static func hostnames(_ labels: [String: String]) -> [EdgeHostname]? {
        guard let text = labels[domains] else { return nil }
        let names = text.split(separator: ",").compactMap { try? EdgeHostname(parsing: String($0)) }
        return names.isEmpty ? nil : names
    }

    static func slots(_ labels: [String: String]) -> [Int]? {
        guard let text = labels[upstreams] else { return nil }
        let ports = text.split(separator: ",").compactMap { Int($0) }.filter { (1...65535).contains($0) }
        return ports.count == 2 && ports[0] != ports[1] ? ports : nil
    }

    static func value(_ hostnames: [EdgeHostname]) -> String { hostnames.map(\.name).joined(separator: ",") }
    static func value(slots: [Int]) -> String { slots.map(String.init).joined(separator: ",") }
}

/// Every route of one host, derived from the labels of the sites' containers there: the engine is the only
/// record of what is routed. A site's container parked during a switch counts too, so that a route never
/// disappears while a publish is under way.
public struct EdgeRouteTable: Sendable, Equatable {
    public var routes: [EdgeRoute]

    public init(routes: [EdgeRoute]) {
        self.routes = routes.sorted { ($0.identity.user, $0.identity.site) < ($1.identity.user, $1.identity.site) }
    }

    /// The routes of the sites among `containers` that carry the edge's labels. A name two sites claim (which a
    /// publish refuses, but labels can be edited) goes to the one that comes first (by user, then site).
    public static func derive(from containers: [SiteContainer]) -> EdgeRouteTable {
        var byIdentity: [SiteIdentity: EdgeRoute] = [:]
        for container in containers where container.role == .site || container.role == .parked {
            let labels = container.summary.labels ?? [:]
            guard let hostnames = EdgeLabel.hostnames(labels), let slots = EdgeLabel.slots(labels) else { continue }
            var route = byIdentity[container.identity]
                ?? EdgeRoute(identity: container.identity, hostnames: [], upstreams: slots.map(EdgeUpstream.loopback),
                             serving: false)
            for name in hostnames where !route.hostnames.contains(name) { route.hostnames.append(name) }
            route.serving = route.serving || container.isRunning
            byIdentity[container.identity] = route
        }
        var table = EdgeRouteTable(routes: Array(byIdentity.values))
        var claimed: Set<EdgeHostname> = []
        for index in table.routes.indices {
            table.routes[index].hostnames.removeAll { !claimed.insert($0).inserted }
        }
        table.routes.removeAll { $0.hostnames.isEmpty }
        return table
    }

    /// The site that serves `hostname`, if any.
    public func owner(of hostname: EdgeHostname) -> SiteIdentity? {
        routes.first { $0.hostnames.contains(hostname) }?.identity
    }

    public func route(of identity: SiteIdentity) -> EdgeRoute? {
        routes.first { $0.identity == identity }
    }

    /// Host ports that sites' containers hold as their upstream pairs (the pair's idle port too, which no
    /// container publishes between switches): a new site's pair is chosen among the others.
    public static func reservedSlots(_ containers: [SiteContainer]) -> Set<Int> {
        Set(containers.flatMap { EdgeLabel.slots($0.summary.labels ?? [:]) ?? [] })
    }
}
