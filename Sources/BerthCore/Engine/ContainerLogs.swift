import NIOCore

public enum LogStream: String, Sendable, Equatable {
    case stdout
    case stderr
}

/// One line a container wrote, without its line break.
public struct LogLine: Sendable, Equatable {
    public var stream: LogStream
    public var text: String
    /// The daemon's RFC 3339 timestamp, when asked for timestamps.
    public var timestamp: String?

    public init(stream: LogStream, text: String, timestamp: String? = nil) {
        self.stream = stream
        self.text = text
        self.timestamp = timestamp
    }
}

/// One frame of Docker's multiplexed stdout/stderr stream: an 8-byte header (stream type, three zero bytes,
/// big-endian UInt32 payload length) followed by the payload.
struct LogFrame: Sendable, Equatable {
    var stream: LogStream
    var payload: ByteBuffer
}

struct LogFrameError: Error, CustomStringConvertible {
    var description: String
}

struct LogFrameDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = LogFrame

    static let headerLength = 8

    mutating func decode(buffer: inout ByteBuffer) throws -> LogFrame? {
        guard buffer.readableBytes >= Self.headerLength,
            let streamType = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
            let length = buffer.getInteger(at: buffer.readerIndex + 4, endianness: .big, as: UInt32.self)
        else {
            return nil
        }
        let stream: LogStream
        switch streamType {
        case 0, 1: stream = .stdout
        case 2, 3: stream = .stderr  // 3 carries the daemon's own errors about the stream (systemerr)
        default:
            throw LogFrameError(description: "unknown log stream type \(streamType); the stream is not multiplexed")
        }
        guard buffer.readableBytes >= Self.headerLength + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: Self.headerLength)
        guard let payload = buffer.readSlice(length: Int(length)) else { return nil }
        return LogFrame(stream: stream, payload: payload)
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> LogFrame? {
        try decode(buffer: &buffer)
    }
}

/// Turns payload bytes into lines, per stream, however the bytes were cut into frames and chunks.
struct LogLineAssembler {
    var timestamps: Bool
    private var pending: [LogStream: [UInt8]] = [:]

    init(timestamps: Bool) {
        self.timestamps = timestamps
    }

    mutating func append(_ payload: ByteBuffer, from stream: LogStream) -> [LogLine] {
        var lines: [LogLine] = []
        var bytes = pending[stream] ?? []
        for byte in payload.readableBytesView {
            if byte == UInt8(ascii: "\n") {
                lines.append(makeLine(bytes, stream: stream))
                bytes.removeAll(keepingCapacity: true)
            } else {
                bytes.append(byte)
            }
        }
        pending[stream] = bytes
        return lines
    }

    /// Lines left without a final line break when the stream ends.
    mutating func finish() -> [LogLine] {
        var lines: [LogLine] = []
        for stream in [LogStream.stdout, .stderr] {
            if let bytes = pending[stream], !bytes.isEmpty {
                lines.append(makeLine(bytes, stream: stream))
            }
        }
        pending = [:]
        return lines
    }

    private func makeLine(_ bytes: [UInt8], stream: LogStream) -> LogLine {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        var timestamp: String?
        if timestamps, let space = text.firstIndex(of: " ") {
            timestamp = String(text[..<space])
            text = String(text[text.index(after: space)...])
        }
        return LogLine(stream: stream, text: text, timestamp: timestamp)
    }
}

/// Decodes a logs response body into lines: multiplexed frames, or raw bytes (stdout) for a TTY container.
func forEachLogLine<Body: AsyncSequence>(
    in body: Body,
    multiplexed: Bool,
    timestamps: Bool,
    _ handle: (LogLine) async throws -> Void
) async throws where Body.Element == ByteBuffer {
    var assembler = LogLineAssembler(timestamps: timestamps)
    if multiplexed {
        for try await frame in body.decode(using: LogFrameDecoder(), maximumBufferSize: 64 * 1024 * 1024) {
            for line in assembler.append(frame.payload, from: frame.stream) {
                try await handle(line)
            }
        }
    } else {
        for try await chunk in body {
            for line in assembler.append(chunk, from: .stdout) {
                try await handle(line)
            }
        }
    }
    for line in assembler.finish() {
        try await handle(line)
    }
}
