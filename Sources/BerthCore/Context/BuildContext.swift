import Crypto
import Foundation
import NIOCore

/// The digest and size of a packed build context.
public struct ContextSummary: Sendable, Equatable, Codable {
    /// `sha256:` followed by the hex digest of the tar stream.
    public var digest: String
    public var byteCount: Int64

    /// A short form of the digest, used as the image's version tag.
    public var version: String { Self.version(ofDigest: digest) }

    /// The version tag of a digest: its first 12 hex digits.
    public static func version(ofDigest digest: String) -> String {
        String(digest.dropFirst("sha256:".count).prefix(12))
    }
}

/// Everything the Engine needs to build a site's image: the rendered files at the root (Dockerfile, server
/// configuration) and the site's files under `site/`. Packed as a tar stream, on demand, as often as needed.
public struct BuildContext: Sendable {
    public let rootFiles: [ContextFile]
    public let tree: SiteTree

    /// Chunks handed to the consumer are this large, and at most `bufferedChunks` wait at once.
    static let chunkSize = 256 * 1024
    static let bufferedChunks = 4

    public init(rootFiles: [ContextFile], tree: SiteTree) {
        self.rootFiles = rootFiles
        self.tree = tree
    }

    /// Starts packing on a thread of its own and returns the stream of tar bytes. Reading slowly slows the packer;
    /// abandoning the stream stops it. The consumer's side hashes the chunks, so hashing runs beside the packing.
    public func stream() -> ContextStream {
        let channel = ChunkChannel(capacity: Self.bufferedChunks)
        let context = self
        let thread = Thread {
            do {
                try context.produce(into: channel)
                channel.finish(.success(()))
            } catch {
                channel.finish(.failure(channel.isCancelled ? CancellationError() : error))
            }
        }
        thread.name = "berth-pack"
        thread.start()
        return ContextStream(channel: channel)
    }

    /// Packs the whole context without keeping it, to learn its digest and size.
    public func summary() async throws -> ContextSummary {
        let stream = stream()
        for try await _ in stream {}
        guard let summary = stream.summary else { throw ContextError.archive("the stream ended without a digest") }
        return summary
    }

    private func produce(into channel: ChunkChannel) throws {
        var pending = ByteBufferAllocator().buffer(capacity: Self.chunkSize)
        func flush() -> Bool {
            guard pending.readableBytes > 0 else { return true }
            let chunk = pending
            pending = ByteBufferAllocator().buffer(capacity: Self.chunkSize)
            return channel.send(chunk)
        }
        let writer = try TarWriter { bytes in
            // Flush before a block would overflow the chunk, so that a chunk's storage is never grown and copied.
            if pending.writableBytes < bytes.count && !flush() { return false }
            pending.writeBytes(bytes)
            return true
        }
        for file in rootFiles {
            try writer.addFile(file.name, contents: Array(file.contents.utf8))
        }
        let siteDirectory = BuildContextLayout.siteDirectory
        try writer.addDirectory(siteDirectory)
        try tree.forEachEntry { entry in
            let path = siteDirectory + "/" + entry.path
            switch entry.kind {
            case .directory:
                try writer.addDirectory(path)
            case .symlink(let target):
                try writer.addSymlink(path, target: target)
            case .file(let size, let executable):
                do {
                    try writer.addFile(path, from: entry.source, sourcePath: entry.sourcePath, size: size,
                                       executable: executable)
                } catch let error as TarWriter.UnopenableFile {
                    throw EntryProblem(path: entry.path, kind: .unreadable(reason: error.reason))
                }
            }
        }
        try writer.finish()
        guard flush() else { throw CancellationError() }
    }
}

/// The tar bytes of a build context as they are made, in chunks, with backpressure. One pass only.
/// After the last chunk, `summary` holds the digest and size of everything that was streamed.
public final class ContextStream: AsyncSequence, @unchecked Sendable {
    public typealias Element = ByteBuffer

    private let channel: ChunkChannel
    private let lock = NSLock()
    private var recordedSummary: ContextSummary?

    init(channel: ChunkChannel) {
        self.channel = channel
    }

    public var summary: ContextSummary? {
        lock.withLock { recordedSummary }
    }

    fileprivate func record(_ summary: ContextSummary) {
        lock.withLock { recordedSummary = summary }
    }

    /// Stops the packer; the consumer's next read ends with `CancellationError`.
    public func cancel() {
        channel.cancel()
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate let reader: Reader

        public mutating func next() async throws -> ByteBuffer? {
            try await reader.next()
        }
    }

    /// The consumer's end: hashes each chunk as it is handed over, records the summary at the end, and cancels
    /// the packer when dropped early, so an abandoned stream never leaves it blocked.
    fileprivate final class Reader: @unchecked Sendable {
        let channel: ChunkChannel
        weak var stream: ContextStream?
        private var hasher = SHA256()
        private var byteCount: Int64 = 0

        init(channel: ChunkChannel, stream: ContextStream) {
            self.channel = channel
            self.stream = stream
        }

        deinit { channel.cancel() }

        func next() async throws -> ByteBuffer? {
            guard let chunk = try await channel.next() else {
                let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
                stream?.record(ContextSummary(digest: "sha256:" + digest, byteCount: byteCount))
                return nil
            }
            chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            byteCount += Int64(chunk.readableBytes)
            return chunk
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(reader: Reader(channel: channel, stream: self))
    }
}
