import BerthCore
import Crypto
import Foundation
import Hummingbird
import NIOConcurrencyHelpers

/// Reads an upload's body into a private directory through `UploadExtractor`, counting bytes against the upload
/// size quota as they arrive (so an upload too large is refused at the byte that crosses it, not after it was all
/// read), and refusing an upload that sends nothing for `stallTimeout`.
enum UploadReceiver {
    struct Received: Sendable {
        var digest: String
        var bytes: Int64
        var entries: Int64
    }

    static func receive(_ body: RequestBody, into directory: String, maxBytes: Int64?, maxEntries: Int64,
                        stallTimeout: Duration) async throws -> Received {
        let lastProgress = NIOLockedValueBox(ContinuousClock.now)
        return try await withThrowingTaskGroup(of: Received?.self) { group in
            group.addTask {
                let extractor = UploadExtractor(root: directory, limits: .init(entries: maxEntries))
                var hasher = SHA256()
                var bytes: Int64 = 0
                for try await chunk in body {
                    lastProgress.withLockedValue { $0 = ContinuousClock.now }
                    bytes += Int64(chunk.readableBytes)
                    if let maxBytes, bytes > maxBytes {
                        throw BerthProblem(.quotaExceeded, "the upload is larger than \(ReadableUnits.bytes(maxBytes)) "
                            + "(the upload_size quota); it was refused at \(ReadableUnits.bytes(bytes)), nothing was built",
                            quota: "upload_size", limit: maxBytes, use: bytes)
                    }
                    chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                    try extractor.feed(chunk)
                }
                try extractor.finish()
                let digest = "sha256:" + hasher.finalize().map { String(format: "%02x", $0) }.joined()
                return Received(digest: digest, bytes: bytes, entries: extractor.entryCount)
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: .milliseconds(250))
                    let idle = ContinuousClock.now - lastProgress.withLockedValue { $0 }
                    if idle > stallTimeout {
                        throw BerthProblem(.uploadTimeout, "the upload sent nothing for \(stallTimeout.components.seconds) s "
                            + "and was given up; nothing was built")
                    }
                }
            }
            defer { group.cancelAll() }
            while let received = try await group.next() {
                if let received { return received }
            }
            throw BerthProblem(.failed, "the upload ended without a result")
        }
    }
}
