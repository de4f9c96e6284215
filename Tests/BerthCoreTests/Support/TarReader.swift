import CArchive
import Foundation

/// One entry read back from a tar with libarchive's reader, for comparing what was packed.
struct TarEntry: Equatable, CustomStringConvertible {
    enum Kind: Equatable { case file, directory, symlink(String), other }
    var path: String
    var kind: Kind
    var mode: UInt32
    var uid: Int64
    var gid: Int64
    var userName: String?
    var mtime: Int
    var contents: [UInt8]

    var text: String { String(decoding: contents, as: UTF8.self) }
    var description: String { "\(path) \(kind) \(String(mode, radix: 8))" }
}

enum TarReader {
    struct ReadError: Error, CustomStringConvertible { var description: String }

    static func entries(_ bytes: [UInt8]) throws -> [TarEntry] {
        setlocale(LC_CTYPE, "C.UTF-8")
        guard let archive = archive_read_new() else { throw ReadError(description: "archive_read_new") }
        defer { archive_read_free(archive) }
        archive_read_support_format_tar(archive)
        var result: [TarEntry] = []
        try bytes.withUnsafeBytes { raw in
            guard archive_read_open_memory(archive, raw.baseAddress, raw.count) == ARCHIVE_OK else {
                throw ReadError(description: String(cString: archive_error_string(archive)))
            }
            var entry: OpaquePointer?
            while true {
                let status = archive_read_next_header(archive, &entry)
                if status == ARCHIVE_EOF { break }
                guard status == ARCHIVE_OK, let entry else {
                    throw ReadError(description: archive_error_string(archive).map { String(cString: $0) } ?? "bad tar")
                }
                let path = archive_entry_pathname_utf8(entry).map { String(cString: $0) } ?? "?"
                let type = archive_entry_filetype(entry)
                let kind: TarEntry.Kind
                switch type {
                case 0o100000: kind = .file
                case 0o040000: kind = .directory
                case 0o120000: kind = .symlink(archive_entry_symlink_utf8(entry).map { String(cString: $0) } ?? "")
                default: kind = .other
                }
                var contents: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let count = buffer.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, $0.count) }
                    if count <= 0 { break }
                    contents += buffer[..<count]
                }
                result.append(TarEntry(
                    path: path, kind: kind, mode: UInt32(archive_entry_perm(entry)),
                    uid: archive_entry_uid(entry), gid: archive_entry_gid(entry),
                    userName: archive_entry_uname(entry).map { String(cString: $0) },
                    mtime: Int(archive_entry_mtime(entry)), contents: contents))
            }
        }
        return result
    }
}
