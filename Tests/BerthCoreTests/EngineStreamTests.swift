import NIOCore
import Testing

@testable import BerthCore

/// A response body delivered in the given chunks.
private func body(_ chunks: [ByteBuffer]) -> AsyncStream<ByteBuffer> {
    AsyncStream { continuation in
        for chunk in chunks { continuation.yield(chunk) }
        continuation.finish()
    }
}

/// `bytes` cut into chunks at the given offsets.
private func chunks(_ bytes: [UInt8], cutAt cuts: [Int]) -> [ByteBuffer] {
    var result: [ByteBuffer] = []
    var start = 0
    for cut in cuts.sorted() + [bytes.count] where cut >= start {
        result.append(ByteBuffer(bytes: bytes[start..<cut]))
        start = cut
    }
    return result
}

private func messages(in chunks: [ByteBuffer], operation: String = "build") async throws -> [JSONMessage] {
    var seen: [JSONMessage] = []
    try await forEachJSONMessage(in: body(chunks), operation: operation) { seen.append($0) }
    return seen
}

private func logLines(_ chunks: [ByteBuffer], multiplexed: Bool = true, timestamps: Bool = false) async throws
    -> [LogLine]
{
    var lines: [LogLine] = []
    try await forEachLogLine(in: body(chunks), multiplexed: multiplexed, timestamps: timestamps) { lines.append($0) }
    return lines
}

private func frame(_ stream: UInt8, _ text: String) -> [UInt8] {
    let payload = Array(text.utf8)
    let length = UInt32(payload.count)
    return [
        stream, 0, 0, 0, UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF),
        UInt8(length & 0xFF),
    ]
        + payload
}

@Suite("Engine streams: JSON lines and log frames")
struct EngineStreamTests {
    static let buildOutput = """
        {"stream":"Step 1/2 : FROM scratch\\n"}
        {"stream":"\\n"}
        {"status":"Pulling fs layer","progressDetail":{},"id":"abc"}
        {"status":"Downloading","progressDetail":{"current":10,"total":100},"progress":"[=>  ]","id":"abc"}
        {"aux":{"ID":"sha256:0123"}}
        {"stream":"Successfully built 0123\\n"}

        """

    @Test func splitsLinesWhereverTheChunksAreCut() async throws {
        let bytes = Array(Self.buildOutput.utf8)
        let whole = try await messages(in: [ByteBuffer(bytes: bytes)])
        #expect(whole.count == 6)
        #expect(whole[0].stream == "Step 1/2 : FROM scratch\n")
        #expect(
            whole[3].engineProgress
                == EngineProgress(id: "abc", status: "Downloading", progress: "[=>  ]", current: 10, total: 100))
        #expect(whole[4].aux?.id == "sha256:0123")

        for cut in 1..<bytes.count {
            #expect(try await messages(in: chunks(bytes, cutAt: [cut])) == whole, "cut at \(cut)")
        }
        let byteByByte = bytes.map { ByteBuffer(bytes: [$0]) }
        #expect(try await messages(in: byteByByte) == whole)
    }

    @Test func manyLinesInOneChunkAndCRLF() async throws {
        let text = "{\"stream\":\"a\"}\r\n{\"stream\":\"b\"}\n\n{\"stream\":\"c\"}"
        let seen = try await messages(in: [ByteBuffer(string: text)])
        #expect(seen.map(\.stream) == ["a", "b", "c"])
    }

    @Test func anErrorLineUnder200EndsTheStreamWithTheDaemonsMessage() async throws {
        let text = """
            {"stream":"Step 1/2 : FROM scratch\\n"}
            {"errorDetail":{"message":"COPY failed: file not found in build context"},"error":"COPY failed: file not found in build context"}
            {"stream":"never seen"}

            """
        var seen: [JSONMessage] = []
        await #expect(
            throws: EngineError.inBand(
                operation: "build the image", message: "COPY failed: file not found in build context")
        ) {
            try await forEachJSONMessage(in: body([ByteBuffer(string: text)]), operation: "build the image") {
                seen.append($0)
            }
        }
        #expect(seen.count == 1)
    }

    @Test func anErrorWithoutDetailStillFails() async throws {
        await #expect(
            throws: EngineError.inBand(
                operation: "push x", message: "denied: requested access to the resource is denied")
        ) {
            _ = try await messages(
                in: [ByteBuffer(string: "{\"error\":\"denied: requested access to the resource is denied\"}\n")],
                operation: "push x")
        }
    }

    @Test func aLineThatIsNotJSONIsAnInvalidResponse() async throws {
        await #expect(throws: EngineError.self) {
            _ = try await messages(in: [ByteBuffer(string: "<html>proxy error</html>\n")])
        }
    }

    @Test func logFramesAcrossChunkBoundaries() async throws {
        let bytes =
            frame(1, "hello\nwor") + frame(2, "oops\n") + frame(1, "ld\n") + frame(1, "")
            + frame(1, "tail without newline")
        let expected = [
            LogLine(stream: .stdout, text: "hello"),
            LogLine(stream: .stderr, text: "oops"),
            LogLine(stream: .stdout, text: "world"),
            LogLine(stream: .stdout, text: "tail without newline"),
        ]
        #expect(try await logLines([ByteBuffer(bytes: bytes)]) == expected)
        for cut in 1..<bytes.count {
            #expect(try await logLines(chunks(bytes, cutAt: [cut])) == expected, "cut at \(cut)")
        }
        for first in stride(from: 1, to: bytes.count, by: 3) {
            #expect(try await logLines(chunks(bytes, cutAt: [first, min(first + 5, bytes.count - 1)])) == expected)
        }
        #expect(try await logLines(bytes.map { ByteBuffer(bytes: [$0]) }) == expected)
    }

    @Test func largeFrameLengthUsesAllFourBytes() async throws {
        let long = String(repeating: "x", count: 70_000)
        let bytes = frame(1, long + "\n")
        #expect(bytes[5] == 1)  // 70001 = 0x00011171
        #expect(try await logLines(chunks(bytes, cutAt: [3, 8, 40_000])) == [LogLine(stream: .stdout, text: long)])
    }

    @Test func timestampsAreSplitOff() async throws {
        let bytes = frame(1, "2024-05-01T10:00:00.123456789Z GET / 200\r\n")
        #expect(
            try await logLines([ByteBuffer(bytes: bytes)], timestamps: true) == [
                LogLine(stream: .stdout, text: "GET / 200", timestamp: "2024-05-01T10:00:00.123456789Z")
            ])
    }

    @Test func ttyOutputIsRaw() async throws {
        let bytes = Array("line one\r\nline two\npartial".utf8)
        let expected = [
            LogLine(stream: .stdout, text: "line one"),
            LogLine(stream: .stdout, text: "line two"),
            LogLine(stream: .stdout, text: "partial"),
        ]
        for cut in 1..<bytes.count {
            #expect(try await logLines(chunks(bytes, cutAt: [cut]), multiplexed: false) == expected)
        }
    }

    @Test func anUnknownStreamTypeIsAnError() async throws {
        await #expect(throws: LogFrameError.self) {
            _ = try await logLines([ByteBuffer(string: "not a frame at all\n")])
        }
    }
}
