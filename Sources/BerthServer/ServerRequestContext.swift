import Hummingbird
import NIOCore

/// The request context of `berth serve`: hummingbird's, plus the client's address for the audit log.
struct ServerRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    var source: String? {
        remoteAddress.map { address in address.ipAddress.map { "\($0):\(address.port ?? 0)" } ?? "\(address)" }
    }
}
