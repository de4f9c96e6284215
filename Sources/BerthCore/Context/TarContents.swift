import CArchive
import Foundation

/// The entries of a whole tar held in memory (an engine's answer to `GET …/archive`), read with libarchive.
public enum TarContents {
    /// One entry, with its content when it is a file.
    public struct Entry: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case directory, file, symlink(target: String), other
        }

        public var path: String
        public var kind: Kind
        public var permissions: UInt32
        public var contents: [UInt8]
    }

    public static func entries(of bytes: [UInt8]) throws(ContextError) -> [Entry] {
        guard let archive = archive_read_new() else { throw ContextError.archive("libarchive could not allocate a reader") }
        defer { archive_read_free(archive) }
        archive_read_support_format_tar(archive)
        var entries: [Entry] = []
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            guard archive_read_open_memory(archive, buffer.baseAddress, buffer.count) == ARCHIVE_OK else {
                failure = archive_error_string(archive).map { String(cString: $0) } ?? "cannot open the tar"
                return
            }
            var entry: OpaquePointer?
            while true {
                let status = archive_read_next_header(archive, &entry)
                if status == ARCHIVE_EOF { break }
                guard status >= ARCHIVE_WARN, let entry else {
                    failure = archive_error_string(archive).map { String(cString: $0) } ?? "a bad tar header"
                    return
                }
                let path = archive_entry_pathname_utf8(entry).map { String(cString: $0) }
                    ?? archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
                let type = archive_entry_filetype(entry)
                let kind: Entry.Kind
                switch type {
                case 0o040000: kind = .directory
                case 0o100000: kind = .file
                case 0o120000: kind = .symlink(target: archive_entry_symlink(entry).map { String(cString: $0) } ?? "")
                default: kind = .other
                }
                var contents: [UInt8] = []
                if kind == .file {
                    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
                    while true {
                        let count = chunk.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, $0.count) }
                        if count == 0 { break }
                        guard count > 0 else {
                            failure = archive_error_string(archive).map { String(cString: $0) } ?? "a bad tar entry"
                            return
                        }
                        contents += chunk[..<count]
                    }
                }
                entries.append(Entry(path: path, kind: kind, permissions: UInt32(archive_entry_perm(entry)),
                                        contents: contents))
            }
        }
        if let failure { throw ContextError.archive("reading a tar: \(failure)") }
        return entries
    }
}
