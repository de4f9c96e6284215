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
    /// Whether the site's file manifest is packed last (for the Dockerfile to copy into the image); a remote
    /// publish's upload carries the site's files only.
    public let packsManifest: Bool

    /// Chunks handed to the consumer are this large, and at most `bufferedChunks` wait at once.
    static let chunkSize = 256 * 1024
    static let bufferedChunks = 4

    public init(rootFiles: [ContextFile], tree: SiteTree, packsManifest: Bool = true) {
        self.rootFiles = rootFiles
        self.tree = tree
        self.packsManifest = packsManifest
    }

    /// Starts packing on a thread of its own and returns the stream of tar bytes. Reading slowly slows the packer;
    /// abandoning the stream stops it. The consumer's side hashes the chunks, so hashing runs beside the packing.
    public func stream() -> ContextStream {
        let channel = ChunkChannel(capacity: Self.bufferedChunks)
        let context = self
        let contextStream = ContextStream(channel: channel)
        let thread = Thread {
            do {
                let manifest = try context.produce(into: channel)
                contextStream.record(manifest)
                channel.finish(.success(()))
            } catch {
                channel.finish(.failure(channel.isCancelled ? CancellationError() : error))
            }
        }
        thread.name = "berth-pack"
        thread.start()
        return contextStream
    }

    /// Packs the whole context without keeping it, to learn its digest and size.
    public func summary() async throws -> ContextSummary {
        let stream = stream()
        for try await _ in stream {}
        guard let summary = stream.summary else { throw ContextError.archive("the stream ended without a digest") }
        return summary
    }

    /// Packs the whole context without keeping it, to learn its digest and size and the site's file manifest.
    public func summaryAndManifest() async throws -> (ContextSummary, SiteManifest) {
        let stream = stream()
        for try await _ in stream {}
        guard let summary = stream.summary, let manifest = stream.manifest else {
            throw ContextError.archive("the stream ended without a digest")
        }
        return (summary, manifest)
    }

    /// SHA-256 of the rendered files (Dockerfile, server configuration): two versions whose recipes are equal
    /// differ only in the site's files, which is what a delta layer can carry.
    public var recipeDigest: String {
        var bytes: [UInt8] = []
        for file in rootFiles {
            bytes += Array(file.name.utf8) + [0] + Array(file.contents.utf8) + [0]
        }
        return "sha256:" + ContentHasher.hex(of: bytes)
    }

    /// Packs the context into `channel`, and returns the manifest of the site's files it packed (also packed last,
    /// as `BuildContextLayout.siteManifest`, for the Dockerfile to copy into the image).
    private func produce(into channel: ChunkChannel) throws -> SiteManifest {
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
        var manifest: [SiteManifest.Entry] = []
        try tree.forEachEntry { entry in
            let path = siteDirectory + "/" + entry.path
            switch entry.kind {
            case .directory:
                try writer.addDirectory(path)
                manifest.append(.directory(entry.path))
            case .symlink(let target):
                try writer.addSymlink(path, target: target)
                manifest.append(.symlink(entry.path, target: target))
            case .file(let size, let executable):
                let digest: SHA256.Digest
                do {
                    digest = try writer.addFile(path, from: entry.source, sourcePath: entry.sourcePath, size: size,
                                                executable: executable)
                } catch let error as TarWriter.UnopenableFile {
                    throw EntryProblem(path: entry.path, kind: .unreadable(reason: error.reason))
                }
                manifest.append(.file(entry.path, size: size, sha256: ContentHasher.hex(digest),
                                      executable: executable, source: entry.sourcePath))
            }
        }
        let siteManifest = SiteManifest(entries: manifest)
        if packsManifest {
            try writer.addFile(BuildContextLayout.siteManifest, contents: try siteManifest.encoded())
        }
        try writer.finish()
        guard flush() else { throw CancellationError() }
        return siteManifest
    }
}

/// The tar bytes of a build context as they are made, in chunks, with backpressure. One pass only.
/// After the last chunk, `summary` holds the digest and size of everything that was streamed.
public final class ContextStream: AsyncSequence, @unchecked Sendable {
    public typealias Element = ByteBuffer

    private let channel: ChunkChannel
    private let lock = NSLock()
    private var recordedSummary: ContextSummary?
    private var recordedManifest: SiteManifest?

    init(channel: ChunkChannel) {
        self.channel = channel
    }

    public var summary: ContextSummary? {
        lock.withLock { recordedSummary }
    }

    fileprivate func record(_ summary: ContextSummary) {
        lock.withLock { recordedSummary = summary }
    }

    /// The manifest of the site's files packed, once the packer has finished.
    public var manifest: SiteManifest? {
        lock.withLock { recordedManifest }
    }

    fileprivate func record(_ manifest: SiteManifest) {
        lock.withLock { recordedManifest = manifest }
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
