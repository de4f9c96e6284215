import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Sends an upload over a plain socket, chunk by chunk, watching for the server's answer between chunks: so a
/// test can tell how much had been sent when the server refused it, or stop sending and wait (a stalled upload).
/// On a thread of its own: the tests' cooperative pool has two threads here, which blocking test code (child
/// processes) can hold for seconds, and a pause between chunks must not grow into a stall the server gives up on.
enum StreamingUpload {
    struct Outcome {
        var status: Int
        var body: String
        var bytesSentBeforeAnswer: Int
        var seconds: Double
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func send(to url: String, token: String, totalBytes: Int, chunkBytes: Int, pause: Duration = .zero,
                     stallAfter: Bool = false) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result {
                    try sendBlocking(to: url, token: token, totalBytes: totalBytes, chunkBytes: chunkBytes,
                                     pause: pause, stallAfter: stallAfter)
                })
            }
            thread.start()
        }
    }

    private static func sendBlocking(to url: String, token: String, totalBytes: Int, chunkBytes: Int, pause: Duration,
                                     stallAfter: Bool) throws -> Outcome {
        guard let parsed = URLComponents(string: url), let port = parsed.port else { throw Failure(description: "bad URL \(url)") }
        let target = parsed.percentEncodedPath + (parsed.percentEncodedQuery.map { "?" + $0 } ?? "")
        let socket: Int32
        do {
            socket = try LoopbackSocket.connect(port: port)
        } catch {
            throw Failure(description: error.description)
        }
        defer { close(socket) }
        let start = Date()
        var answer: [UInt8] = []
        func writeAll(_ bytes: [UInt8]) -> Bool {
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written <= 0 { return false }
                offset += written
            }
            return true
        }
        /// Reads what has arrived; true once the peer closed or sent a whole answer.
        func readAvailable(timeoutMilliseconds: Int32) -> Bool {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            while poll(&descriptor, 1, timeoutMilliseconds) > 0 {
                var buffer = [UInt8](repeating: 0, count: 65536)
                let count = recv(socket, &buffer, buffer.count, 0)
                if count <= 0 { return true }
                answer += buffer.prefix(count)
                if complete(answer) { return true }
            }
            return false
        }
        let head = "POST \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n"
        _ = writeAll(Array(head.utf8))
        var sent = 0
        var finished = false
        while sent < totalBytes {
            if readAvailable(timeoutMilliseconds: 0) { finished = true; break }
            let size = min(chunkBytes, totalBytes - sent)
            // Zero bytes: an endless run of empty tar blocks would be valid so far, so only the size can stop it.
            let chunk = Array(String(size, radix: 16).utf8) + [13, 10] + [UInt8](repeating: 0, count: size) + [13, 10]
            if !writeAll(chunk) { break }
            sent += size
            if pause > .zero {
                Thread.sleep(forTimeInterval: Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18)
            }
        }
        if !finished, !stallAfter { _ = writeAll(Array("0\r\n\r\n".utf8)) }
        let deadline = Date().addingTimeInterval(60)
        while !finished && Date() < deadline {
            finished = readAvailable(timeoutMilliseconds: 200)
        }
        let text = String(decoding: answer, as: UTF8.self)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return Outcome(status: status, body: body, bytesSentBeforeAnswer: sent, seconds: Date().timeIntervalSince(start))
    }

    /// A whole answer: its head, and a body of its Content-Length.
    static func complete(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let range = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<range.lowerBound].lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
              let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        else { return false }
        return text[range.upperBound...].utf8.count >= length
    }
}
