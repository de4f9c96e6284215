#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The address a site's server sees the edge's connections come from, which alone it trusts to say who the client
/// was (`X-Forwarded-For`). The edge dials the site's loopback port, and the engine's proxy for that port connects
/// to the container from the gateway of the sites' network (`SiteNetwork`): that gateway is the address. Only a
/// literal IPv4 or IPv6 address is accepted, so it can go into the server's configuration as it is.
public struct EdgeSourceAddress: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    public init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        guard inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        self.text = text
    }

    public var description: String { text }
}
