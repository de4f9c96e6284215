import NIOCore
import NIOPosix
import NIOSSL

/// One request through the edge as a visitor's browser makes it: a TLS connection to the host's HTTPS port with
/// the site's name as SNI and `Host`, answering the status code. It proves the route (the edge sends that name to
/// the new version), not the certificate: the certificate chain is not verified here, since berth reaches the edge
/// by the host's address while the name may not resolve there yet.
public struct EdgeProbe: Sendable {
    public let address: String
    public let port: Int

    public init(address: String, port: Int) {
        self.address = address
        self.port = port
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The status code the edge answered for `path` on `hostname`.
    public func get(_ hostname: EdgeHostname, path: String = "/", timeout: Duration = .seconds(5)) async throws -> Int {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        let context = try NIOSSLContext(configuration: tls)
        let collector = ResponseCollector()
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try NIOSSLClientHandler(context: context, serverHostname: hostname.name)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
        let channel = try await bootstrap.connect(host: address, port: port).get()
        let request = "GET \(path) HTTP/1.1\r\nHost: \(hostname.name)\r\nUser-Agent: berth\r\nConnection: close\r\n\r\n"
        var buffer = channel.allocator.buffer(capacity: request.utf8.count)
        buffer.writeString(request)
        try await channel.writeAndFlush(buffer)
        let head = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask { try await collector.statusLine.futureResult.get() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Failure(description: "no answer within \(timeout.components.seconds) s")
            }
            defer { group.cancelAll() }
            return try await group.next() ?? ""
        }
        try? await channel.close()
        let parts = head.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else {
            throw Failure(description: "the edge's answer is not HTTP: \(head.prefix(80))")
        }
        return code
    }

    /// Asks until the edge answers 200 for `hostname` (within `timeout`), or throws with the last thing seen.
    /// `stillWorthWaiting` is called between attempts; throwing ends the wait at once.
    public func waitFor200(_ hostname: EdgeHostname, path: String = "/", timeout: Duration,
                           stillWorthWaiting: () async throws -> Void) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var last = "no answer"
        while clock.now < deadline {
            do {
                let code = try await get(hostname, path: path)
                if code == 200 { return }
                last = "it answered \(code)"
            } catch {
                last = "\(error)"
            }
            try await stillWorthWaiting()
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(description: "https://\(hostname)\(port == 443 ? "" : ":\(port)")/ through the edge gave no 200 "
            + "within \(timeout.components.seconds) s; last: \(last)")
    }

    /// Collects the answer's first line.
    final class ResponseCollector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var received: [UInt8] = []
        var statusLine: EventLoopPromise<String>!
        var done = false

        /// Completes the promise once; what comes after is ignored.
        func finish(_ result: Result<String, any Error>) {
            guard !done else { return }
            done = true
            statusLine.completeWith(result)
        }

        func handlerAdded(context: ChannelHandlerContext) {
            statusLine = context.eventLoop.makePromise()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.append(contentsOf: buffer.readableBytesView)
            if let end = received.firstIndex(of: UInt8(ascii: "\r")) {
                finish(.success(String(decoding: received[..<end], as: UTF8.self)))
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            finish(.failure(Failure(description: "the edge closed the connection without an answer")))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            finish(.failure(error))
            context.close(promise: nil)
        }
    }
}
