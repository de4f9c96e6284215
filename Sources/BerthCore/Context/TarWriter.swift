import CArchive
import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A reproducible tar writer over libarchive: every header field is set explicitly (uid/gid 0, no user names,
/// modes 0644/0755, each file's mtime derived from its content), and pax records appear only for long or non-ASCII
/// names.
/// Output goes to `sink` block by block; the writer never holds more than one block of file data.
final class TarWriter {
    /// 2000-01-01T00:00:00Z: the modification time of directories and links, and the start of files' times.
    static let fixedModificationTime: time_t = 946_684_800
    /// Files' times spread over twenty years from `fixedModificationTime`: always in the past.
    static let modificationTimeSpan: UInt64 = 20 * 365 * 86_400

    /// A file's modification time, chosen from its content's SHA-256: the same content always gets the same time,
    /// and changed content almost surely another (two contents of one path share a time with odds of 1 in 6·10⁸), so
    /// nginx's ETag and Last-Modified, made from time and size, change exactly when the content does.
    static func modificationTime(contentDigest: SHA256.Digest) -> time_t {
        let leading = contentDigest.withUnsafeBytes { bytes in bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        return fixedModificationTime + time_t(leading % modificationTimeSpan)
    }

    static func modificationTime(content: [UInt8]) -> time_t {
        modificationTime(contentDigest: SHA256.hash(data: content))
    }

    private static let fileType: UInt32 = 0o100000
    private static let directoryType: UInt32 = 0o040000
    private static let symlinkType: UInt32 = 0o120000

    /// Receives each block libarchive writes; returns false to abort (the consumer went away).
    typealias Sink = (UnsafeRawBufferPointer) -> Bool

    private let archive: OpaquePointer
    private let entry: OpaquePointer
    private let sinkBox: SinkBox
    private var readBuffer = [UInt8](repeating: 0, count: 128 * 1024)

    private final class SinkBox {
        let sink: Sink
        init(sink: @escaping Sink) { self.sink = sink }
    }

    private static let localeIsSet: Bool = {
        // libarchive converts names through the C library's locale; in the default "C" locale any non-ASCII
        // name fails ("Can't translate pathname"). Only the character type is changed.
        setlocale(LC_CTYPE, "C.UTF-8") != nil
    }()

    init(sink: @escaping Sink) throws(ContextError) {
        _ = Self.localeIsSet
        guard let archive = archive_write_new(), let entry = archive_entry_new() else {
            throw ContextError.archive("libarchive could not allocate a writer")
        }
        self.archive = archive
        self.entry = entry
        self.sinkBox = SinkBox(sink: sink)
        try check(archive_write_set_format_pax_restricted(archive), "setting the tar format")
        // No blocking: libarchive hands each write straight to the sink instead of copying it into 10 KiB blocks
        // first, and the stream ends after the end-of-archive marker rather than padded to a whole block.
        try check(archive_write_set_bytes_per_block(archive, 0), "setting the block size")
        let opaqueSink = Unmanaged.passUnretained(sinkBox).toOpaque()
        let status = archive_write_open2(archive, opaqueSink, nil, { _, clientData, buffer, length in
            guard let clientData, let buffer else { return -1 }
            let box = Unmanaged<SinkBox>.fromOpaque(clientData).takeUnretainedValue()
            return box.sink(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : -1
        }, nil, nil)
        try check(status, "opening the tar stream")
    }

    deinit {
        archive_entry_free(entry)
        archive_write_free(archive)
    }

    func addDirectory(_ path: String) throws(ContextError) {
        try writeHeader(path: path, type: Self.directoryType, permissions: 0o755, size: 0)
    }

    func addSymlink(_ path: String, target: String) throws(ContextError) {
        try writeHeader(path: path, type: Self.symlinkType, permissions: 0o777, size: 0, linkTarget: target)
    }

    /// - Parameter modificationTime: only for archives that are not build contexts (a deploy lock's lease); by
    ///   default the time is derived from the content.
    func addFile(_ path: String, contents: [UInt8], executable: Bool = false,
                 modificationTime: time_t? = nil) throws(ContextError) {
        try writeHeader(path: path, type: Self.fileType, permissions: executable ? 0o755 : 0o644,
                        size: Int64(contents.count),
                        modificationTime: modificationTime ?? Self.modificationTime(content: contents))
        let written = contents.withUnsafeBytes { writeData($0) }
        try checkWritten(written, path: path)
    }

    /// A file that could not be opened; nothing of its entry was written, so packing may go on without it.
    struct UnopenableFile: Error {
        var reason: String
    }

    /// Copies a file from disk (`source`, named `sourcePath` in messages). It must still be the regular file of
    /// `size` bytes seen when the site was walked; if it changed, the archive is abandoned with an error rather
    /// than finished with a wrong entry. A file that cannot be opened throws `UnopenableFile` before anything is
    /// written.
    /// Returns the SHA-256 of the content (the file's manifest digest): taken in the first pass, it is the content
    /// copied, since a file that changes between the passes is refused.
    @discardableResult
    func addFile(_ path: String, from source: SourceName, sourcePath: String, size: Int64,
                 executable: Bool) throws -> SHA256.Digest {
        // O_NONBLOCK: if a FIFO has taken the file's place since it was seen, opening it must not hang.
        let descriptor = openat(source.directory, source.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw UnopenableFile(reason: POSIXFileSystem.errnoText())
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int64(info.st_size) == size else {
            throw ContextError.site(.fileChanged(path: sourcePath))
        }
        // The header, written first, carries a time derived from the content: one pass to hash it, a second to copy.
        let digest = try contentDigest(descriptor, size: size, sourcePath: sourcePath)
        guard lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw ContextError.site(.readFailed(path: sourcePath, reason: POSIXFileSystem.errnoText()))
        }
        try writeHeader(path: path, type: Self.fileType, permissions: executable ? 0o755 : 0o644, size: size,
                        modificationTime: Self.modificationTime(contentDigest: digest))
        // Each read asks for one byte more than is left: a short read then proves the end of the file without
        // another call, and getting that byte means the file has grown.
        var remaining = size
        var reachedEnd = false
        while !reachedEnd {
            let wanted = Int(min(Int64(readBuffer.count), remaining + 1))
            let count = readBuffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, wanted) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ContextError.site(.readFailed(path: sourcePath, reason: POSIXFileSystem.errnoText()))
            }
            if Int64(count) > remaining || (count == 0 && remaining > 0) {
                throw ContextError.site(.fileChanged(path: sourcePath))
            }
            if count > 0 {
                let written = readBuffer.withUnsafeBytes { buffer in
                    writeData(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                }
                try checkWritten(written, path: path)
                remaining -= Int64(count)
            }
            reachedEnd = remaining == 0 && count < wanted
        }
        // A write of the same size between the two passes would leave a time that does not match the content.
        var after = stat()
        guard fstat(descriptor, &after) == 0, Self.sameModification(info, after) else {
            throw ContextError.site(.fileChanged(path: sourcePath))
        }
        return digest
    }

    private static func sameModification(_ before: stat, _ after: stat) -> Bool {
        #if canImport(Darwin)
        before.st_mtimespec.tv_sec == after.st_mtimespec.tv_sec && before.st_mtimespec.tv_nsec == after.st_mtimespec.tv_nsec
        #else
        before.st_mtim.tv_sec == after.st_mtim.tv_sec && before.st_mtim.tv_nsec == after.st_mtim.tv_nsec
        #endif
    }

    /// The SHA-256 of the `size` bytes of an open file; a file of another size has changed since it was seen.
    private func contentDigest(_ descriptor: Int32, size: Int64, sourcePath: String) throws -> SHA256.Digest {
        var hasher = SHA256()
        var total: Int64 = 0
        while true {
            let count = readBuffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ContextError.site(.readFailed(path: sourcePath, reason: POSIXFileSystem.errnoText()))
            }
            if count == 0 { break }
            readBuffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            total += Int64(count)
            guard total <= size else { throw ContextError.site(.fileChanged(path: sourcePath)) }
        }
        guard total == size else { throw ContextError.site(.fileChanged(path: sourcePath)) }
        return hasher.finalize()
    }

    /// Writes the end-of-archive blocks and flushes the last block to the sink.
    func finish() throws(ContextError) {
        try check(archive_write_close(archive), "finishing the tar stream")
    }

    private func writeHeader(path: String, type: UInt32, permissions: UInt32, size: Int64,
                             linkTarget: String? = nil,
                             modificationTime: time_t = fixedModificationTime) throws(ContextError) {
        archive_entry_clear(entry)
        archive_entry_set_pathname_utf8(entry, path)
        archive_entry_set_filetype(entry, type)
        archive_entry_set_perm(entry, mode_t(permissions))
        archive_entry_set_size(entry, size)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        archive_entry_set_mtime(entry, modificationTime, 0)
        if let linkTarget {
            archive_entry_set_symlink_utf8(entry, linkTarget)
        }
        try check(archive_write_header(archive, entry), "writing the entry for '\(path)'")
    }

    /// Returns libarchive's failure status, or nil once every byte is written.
    private func writeData(_ bytes: UnsafeRawBufferPointer) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = archive_write_data(archive, bytes.baseAddress! + offset, bytes.count - offset)
            guard written > 0 else { return written == 0 ? ARCHIVE_FATAL : Int32(truncatingIfNeeded: written) }
            offset += written
        }
        return nil
    }

    private func checkWritten(_ failure: Int32?, path: String) throws(ContextError) {
        guard let failure else { return }
        try check(failure, "writing the content of '\(path)'")
        throw ContextError.archive("libarchive could not write the content of '\(path)'")
    }

    private func check(_ status: Int32, _ action: String) throws(ContextError) {
        guard status < ARCHIVE_OK else { return }
        if status == ARCHIVE_WARN { return }
        if let message = archive_error_string(archive) {
            throw ContextError.archive("\(action): \(String(cString: message))")
        }
        throw ContextError.archive("\(action) failed (libarchive status \(status))")
    }
}
