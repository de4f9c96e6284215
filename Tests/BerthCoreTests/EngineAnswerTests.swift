import Foundation
import Testing
@testable import BerthCore
#if canImport(Glibc)
import Glibc
#endif

/// What berth says when what answers at an endpoint is not a Docker engine: a port that takes connections and
/// stays silent, one that answers something that is not HTTP, one that answers HTTP without the engine's headers.
/// A real engine cannot be made to do any of these, so a tiny listener on 127.0.0.1 plays the peer.
@Suite("Peers that are not Docker engines")
struct EngineAnswerTests {
    @Test("a port that accepts and never answers fails within seconds, asking whether it is a Docker engine",
          .timeLimit(.minutes(3)))
    func silentPeer() async throws {
        let peer = try FakePeer(answer: nil)
        defer { peer.stop() }
        // Default timeouts, as every command makes its engines.
        let engine = DockerEngine(endpoint: .tcp(host: "127.0.0.1", port: peer.port))
        let started = ContinuousClock.now
        let error = await #expect(throws: EngineError.self) { _ = try await engine.info() }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(15), "took \(elapsed), not the 60 s of an ordinary request")
        #expect(elapsed >= .seconds(4), "gave up after \(elapsed), before the 5 s a ping is given")
        guard case .notAnEngine(_, let reason)? = error else {
            Issue.record("expected .notAnEngine, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("did not answer a ping within 5 s"))
        #expect(error?.description.contains("is this a Docker engine?") == true)
        #expect(error?.description.contains("127.0.0.1:\(peer.port)") == true)
    }

    @Test("a server that answers garbage is not a Docker engine, and says so", .timeLimit(.minutes(3)),
          arguments: ["SSH-2.0-OpenSSH_9.2p1\r\n", "garbage\r\n\r\n", "\u{16}\u{03}\u{01}\u{00}"])
    func garbage(_ answer: String) async throws {
        let peer = try FakePeer(answer: Array(answer.utf8))
        defer { peer.stop() }
        let engine = DockerEngine(endpoint: .tcp(host: "127.0.0.1", port: peer.port))
        let error = await #expect(throws: EngineError.self) { try await engine.ping() }
        let text = error?.description ?? ""
        #expect(text.contains("does not answer like a Docker engine (is this a Docker engine?)"), "\(text)")
        #expect(!text.contains("invalid constant string") || text.contains("not HTTP"), "\(text)")
    }

    @Test("a web server that is not Docker is not taken for one", .timeLimit(.minutes(3)))
    func otherHTTPServer() async throws {
        let peer = try FakePeer(answer: Array("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found".utf8))
        defer { peer.stop() }
        let engine = DockerEngine(endpoint: .tcp(host: "127.0.0.1", port: peer.port))
        let error = await #expect(throws: EngineError.self) { _ = try await engine.listContainers(all: true) }
        guard case .notAnEngine(_, let reason)? = error else {
            Issue.record("expected .notAnEngine, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("HTTP 404") && reason.contains("Api-Version"), "\(reason)")
    }
}

/// A TCP listener on 127.0.0.1 that answers every connection with fixed bytes and closes it, or (with no answer)
/// accepts connections and never writes a byte.
final class FakePeer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var held: [Int32] = []

    init(answer: [UInt8]?) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw CocoaError(.fileWriteUnknown) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(listener, raw, length) == 0 && listen(listener, 16) == 0
                    && getsockname(listener, raw, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw CocoaError(.fileWriteUnknown)
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [listener] in
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                guard let answer else {
                    self.hold(connection)
                    continue
                }
                var request = [UInt8](repeating: 0, count: 4096)
                _ = read(connection, &request, request.count)
                _ = answer.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                close(connection)
            }
        }
        thread.start()
    }

    private func hold(_ connection: Int32) {
        lock.withLock { held.append(connection) }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        lock.withLock {
            for connection in held { close(connection) }
            held.removeAll()
        }
    }
}
