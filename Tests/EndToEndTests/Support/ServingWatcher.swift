import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Asks a site's URL every 100 ms, on a thread of its own, until stopped, noting every answer that is not the
/// page expected (a refused connection, another status, another page). Not on the tests' cooperative pool: it has
/// two threads here, which blocking test code (child processes) holds for seconds, and a watcher starved of them
/// would ask too seldom to see a gap.
final class ServingWatcher: Sendable {
    struct Record {
        var failures: [String] = []
        var answered = 0
        var stopped = false
    }

    let url: String
    let expected: String
    private let record = Mutex(Record())
    private let finished = DispatchSemaphore(value: 0)

    init(url: String, expected: String) {
        self.url = url
        self.expected = expected
        let thread = Thread { [self] in
            while !record.withLock({ $0.stopped }) {
                let outcome = Self.get(url)
                record.withLock { record in
                    guard !record.stopped else { return }
                    record.answered += 1
                    if outcome.status != 200 || outcome.body != expected {
                        record.failures.append("\(outcome.status) \(outcome.body.prefix(80))")
                    }
                }
                usleep(100_000)
            }
            finished.signal()
        }
        thread.start()
    }

    /// Stops asking, and what it saw.
    /// Stops asking (once; later calls return the same), and what it saw.
    @discardableResult
    func stop() -> Record {
        let wasStopped = record.withLock { record in
            defer { record.stopped = true }
            return record.stopped
        }
        if !wasStopped { finished.wait() }
        return record.withLock { $0 }
    }

    /// One GET over a plain socket, HTTP/1.0 so the server closes the connection after the answer; status 0 with
    /// the reason when no answer came.
    static func get(_ url: String) -> (status: Int, body: String) {
        guard let parsed = URLComponents(string: url), let port = parsed.port else { return (0, "bad URL \(url)") }
        let socket: Int32
        do {
            socket = try LoopbackSocket.connect(port: port)
        } catch {
            return (0, error.description)
        }
        defer { close(socket) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let path = parsed.percentEncodedPath.isEmpty ? "/" : parsed.percentEncodedPath
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8)
        let sent = request.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { return (0, "send: errno \(errno)") }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else { return (0, "recv: errno \(errno) after \(answer.count) bytes") }
            answer += buffer[0..<count]
        }
        let text = String(decoding: answer, as: UTF8.self)
        guard let head = text.range(of: "\r\n\r\n") else { return (0, "no complete answer: \(text.prefix(80))") }
        let status = text[..<head.lowerBound].split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, String(text[head.upperBound...]))
    }
}
