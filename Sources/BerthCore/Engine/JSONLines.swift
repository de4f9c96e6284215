import Foundation
import NIOCore
import NIOFoundationCompat

/// One line of the JSON-lines progress stream that build, push and pull answer with.
struct JSONMessage: Decodable, Sendable, Equatable {
    struct ProgressDetail: Decodable, Sendable, Equatable {
        var current: Int64?
        var total: Int64?
    }

    struct ErrorDetail: Decodable, Sendable, Equatable {
        var code: Int?
        var message: String?
    }

    /// `aux` carries the built image's ID after a build and the pushed tag's digest after a push.
    struct Aux: Decodable, Sendable, Equatable {
        var id: String?
        var tag: String?
        var digest: String?
        var size: Int64?

        enum CodingKeys: String, CodingKey {
            case id = "ID"
            case tag = "Tag"
            case digest = "Digest"
            case size = "Size"
        }
    }

    var stream: String?
    var status: String?
    var id: String?
    var progress: String?
    var progressDetail: ProgressDetail?
    var aux: Aux?
    var error: String?
    var errorDetail: ErrorDetail?

    /// The daemon's failure message when this line reports a failure (which arrives under HTTP 200).
    var failureMessage: String? {
        if let message = errorDetail?.message, !message.isEmpty { return message }
        if let error, !error.isEmpty { return error }
        return nil
    }

    var engineProgress: EngineProgress? {
        guard let status else { return nil }
        return EngineProgress(
            id: id,
            status: status,
            progress: progress,
            current: progressDetail?.current,
            total: progressDetail?.total
        )
    }
}

/// Longest line berth keeps in memory while waiting for its end; a build's output line is far shorter.
let maximumJSONLineBytes = 8 * 1024 * 1024

/// Reads `body` line by line as it arrives and hands each decoded message to `handle`.
/// A line reporting an error ends the reading with `EngineError.inBand`.
func forEachJSONMessage<Body: AsyncSequence>(
    in body: Body,
    operation: String,
    _ handle: (JSONMessage) async throws -> Void
) async throws where Body.Element == ByteBuffer {
    let decoder = JSONDecoder()
    for try await line in body.splitLines(maximumBufferSize: maximumJSONLineBytes) {
        if line.readableBytesView.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
            continue
        }
        let message: JSONMessage
        do {
            message = try decoder.decode(JSONMessage.self, from: line)
        } catch {
            throw EngineError.invalidResponse(
                operation: operation,
                reason: "a progress line is not JSON: \(String(buffer: line).prefix(200))"
            )
        }
        if let failure = message.failureMessage {
            throw EngineError.inBand(operation: operation, message: failure.trimmingWhitespace())
        }
        try await handle(message)
    }
}

/// Reads `body` line by line and decodes each line as `Value` (stats answer one JSON object per line).
func forEachJSONLine<Body: AsyncSequence, Value: Decodable>(
    in body: Body,
    as type: Value.Type,
    operation: String,
    _ handle: (Value) async throws -> Void
) async throws where Body.Element == ByteBuffer {
    let decoder = JSONDecoder()
    for try await line in body.splitLines(maximumBufferSize: maximumJSONLineBytes) {
        let value: Value
        do {
            value = try decoder.decode(Value.self, from: line)
        } catch {
            throw EngineError.invalidResponse(operation: operation, reason: "a line is not the expected JSON: \(error)")
        }
        try await handle(value)
    }
}
