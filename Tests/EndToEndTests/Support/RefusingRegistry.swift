import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A stand-in for a registry whose configuration leaves deletion off: it lets anyone list `USER/SITE`'s one tag
/// and find its manifest, and answers every `DELETE` with 405 and the error body the distribution server sends.
/// Listens on a free loopback port until `stop`.
final class RefusingRegistry: Sendable {
    let channel: any Channel
    let group: MultiThreadedEventLoopGroup
    var address: String { "127.0.0.1:\(channel.localAddress?.port ?? 0)" }

    init() async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let request) = unwrapInboundIn(data) else { return }
            let digest = "sha256:" + String(repeating: "ab", count: 32)
            var status = HTTPResponseStatus.notFound
            var body = #"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}"#
            var headers = HTTPHeaders([("Content-Type", "application/json")])
            if request.uri == "/v2/" {
                (status, body) = (.ok, "{}")
            } else if request.uri.hasSuffix("/tags/list") {
                (status, body) = (.ok, #"{"name":"x","tags":["v1"]}"#)
            } else if request.uri.contains("/manifests/"), request.method == .DELETE {
                (status, body) = (.methodNotAllowed,
                                  #"{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}"#)
            } else if request.uri.contains("/manifests/") {
                (status, body) = (.ok, "")
                headers.add(name: "Docker-Content-Digest", value: digest)
            }
            headers.add(name: "Content-Length", value: "\(body.utf8.count)")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status,
                                                                 headers: headers))), promise: nil)
            if request.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
