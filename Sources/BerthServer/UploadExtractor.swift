import BerthCore
import Foundation
import NIOCore

/// Unpacks an uploaded site tar into a private directory as it streams in, checking every entry before anything of
/// it is written: only regular files, directories and symlinks that stay inside the site, under `site/`; no
/// devices, FIFOs, hard links, absolute or `..` paths; names, sizes and the entry count within limits; every
/// header's checksum; and a proper end. Anything else stops the upload with an error naming the entry.
final class UploadExtractor {
    struct Limits {
        var entries: Int64
        var pathBytes = 4096
        var nameBytes = 255
        var paxBytes = 64 * 1024
    }

    let root: String
    let limits: Limits
    private(set) var entryCount: Int64 = 0
    private var buffer: [UInt8] = []
    private var state = State.header
    private var pax: [String: String] = [:]
    private var symlinks: Set<String> = []
    private var zeroBlocks = 0

    private enum State {
        case header
        case content(descriptor: Int32, path: String, remaining: Int64, padding: Int)
        case paxContent(remaining: Int, padding: Int, collected: [UInt8])
        /// The zero bytes that fill an entry's content up to the next 512-byte block.
        case padding(Int)
        case ended
    }

    init(root: String, limits: Limits) {
        self.root = root
        self.limits = limits
    }

    deinit {
        if case .content(let descriptor, _, _, _) = state { close(descriptor) }
    }

    func feed(_ chunk: ByteBuffer) throws(BerthProblem) {
        buffer.append(contentsOf: chunk.readableBytesView)
        var offset = 0
        defer { buffer.removeFirst(offset) }
        while true {
            switch state {
            case .header:
                guard buffer.count - offset >= 512 else { return }
                let block = Array(buffer[offset..<offset + 512])
                offset += 512
                try header(block)
            case .content(let descriptor, let path, let remaining, let padding):
                let available = buffer.count - offset
                guard available > 0 else { return }
                let take = Int(min(Int64(available), remaining))
                if take > 0 {
                    let written = buffer[offset..<offset + take].withUnsafeBytes { write(descriptor, $0.baseAddress, take) }
                    guard written == take else {
                        throw BerthProblem(.failed, "the server could not store '\(path)': \(String(cString: strerror(errno)))")
                    }
                    offset += take
                }
                if remaining - Int64(take) > 0 {
                    state = .content(descriptor: descriptor, path: path, remaining: remaining - Int64(take), padding: padding)
                    return
                }
                close(descriptor)
                state = padding > 0 ? .padding(padding) : .header
            case .padding(let count):
                guard buffer.count - offset >= count else { return }
                offset += count
                state = .header
            case .paxContent(let remaining, let padding, var collected):
                let available = buffer.count - offset
                if remaining > 0 {
                    guard available > 0 else { return }
                    let take = min(available, remaining)
                    collected.append(contentsOf: buffer[offset..<offset + take])
                    offset += take
                    state = .paxContent(remaining: remaining - take, padding: padding, collected: collected)
                    continue
                }
                pax = try Self.paxRecords(collected)
                state = padding > 0 ? .padding(padding) : .header
            case .ended:
                if buffer[offset...].contains(where: { $0 != 0 }) {
                    throw refused("there are bytes after the tar's end marker")
                }
                offset = buffer.count
                return
            }
        }
    }

    /// The upload ended: it must have ended with the tar's end marker.
    func finish() throws(BerthProblem) {
        guard case .ended = state else {
            throw refused("the upload ended in the middle of the tar (truncated, or an entry's size is wrong)")
        }
    }

    private func header(_ block: [UInt8]) throws(BerthProblem) {
        if block.allSatisfy({ $0 == 0 }) {
            zeroBlocks += 1
            if zeroBlocks == 2 { state = .ended }
            return
        }
        guard zeroBlocks == 0 else { throw refused("an entry follows an empty block") }
        guard let checksum = Self.octal(block[148..<156]),
              checksum == block.enumerated().reduce(0, { $0 + Int64((148..<156).contains($1.offset) ? 32 : Int($1.element)) })
        else {
            throw refused("entry \(entryCount + 1)'s header is damaged (its checksum does not match): the tar is "
                + "not valid, or an earlier entry's size is wrong")
        }
        let type = block[156]
        guard let declaredSize = Self.octal(block[124..<136]) else {
            throw refused("entry \(entryCount + 1)'s size field is not a number")
        }
        let size = pax["size"].flatMap { Int64($0) } ?? declaredSize
        if type == UInt8(ascii: "x") {
            guard size <= limits.paxBytes else { throw refused("an extended header of \(size) bytes is too large") }
            state = .paxContent(remaining: Int(size), padding: Self.padding(size), collected: [])
            return
        }
        entryCount += 1
        guard entryCount <= limits.entries else {
            throw BerthProblem(.quotaExceeded, "the upload has more than \(limits.entries) entries (the files quota); nothing was built",
                               quota: "files", limit: limits.entries, use: entryCount)
        }
        let name = pax["path"] ?? Self.path(block)
        let link = pax["linkpath"] ?? Self.string(block[157..<257])
        pax = [:]
        let path = try checkedPath(name)
        switch type {
        case UInt8(ascii: "0"), 0:
            try checkParent(of: path)
            let descriptor = open(root + "/" + path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                  Self.mode(block) & 0o111 != 0 ? 0o755 : 0o644)
            guard descriptor >= 0 else { throw creationFailed(path) }
            let padding = Self.padding(size)
            state = size > 0 || padding > 0
                ? .content(descriptor: descriptor, path: path, remaining: size, padding: padding) : .header
            if size == 0 { close(descriptor) }
        case UInt8(ascii: "5"):
            guard size == 0 else { throw refused("the directory '\(Self.shown(path))' declares content") }
            try checkParent(of: path)
            if mkdir(root + "/" + path, 0o755) != 0, !(errno == EEXIST && path == SiteUpload.rootDirectory) {
                throw creationFailed(path)
            }
        case UInt8(ascii: "2"):
            guard size == 0 else { throw refused("the symlink '\(Self.shown(path))' declares content") }
            try checkParent(of: path)
            try checkLink(path, target: link)
            guard symlink(link, root + "/" + path) == 0 else { throw creationFailed(path) }
            symlinks.insert(path)
        case UInt8(ascii: "1"):
            throw refused("'\(Self.shown(path))' is a hard link; only regular files, directories and symlinks are accepted")
        case UInt8(ascii: "3"), UInt8(ascii: "4"):
            throw refused("'\(Self.shown(path))' is a device node; only regular files, directories and symlinks are accepted")
        case UInt8(ascii: "6"):
            throw refused("'\(Self.shown(path))' is a FIFO; only regular files, directories and symlinks are accepted")
        default:
            throw refused("'\(Self.shown(path))' has the entry type '\(Self.shown(String(decoding: [type], as: UTF8.self)))', "
                + "which is not accepted; only regular files, directories and symlinks are")
        }
    }

    /// A relative path under `site/` without empty, `.` or `..` parts, within the length limits.
    private func checkedPath(_ raw: String) throws(BerthProblem) -> String {
        var path = raw
        while path.hasSuffix("/") { path.removeLast() }
        guard !path.hasPrefix("/") else { throw refused("'\(Self.shown(raw))' is an absolute path") }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains(where: { $0 == ".." }) { throw refused("'\(Self.shown(raw))' climbs out with '..'") }
        guard !path.isEmpty, !parts.contains(where: { $0.isEmpty || $0 == "." }) else {
            throw refused("'\(Self.shown(raw))' is not a plain relative path")
        }
        guard parts.first.map(String.init) == SiteUpload.rootDirectory else {
            throw refused("'\(Self.shown(raw))' is not under \(SiteUpload.rootDirectory)/ (only site files are uploaded)")
        }
        guard path.utf8.count <= limits.pathBytes, parts.allSatisfy({ $0.utf8.count <= limits.nameBytes }),
              !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f })
        else {
            throw refused("'\(Self.shown(raw))' is too long, or holds control characters")
        }
        return path
    }

    /// An entry is never written through a symlink the upload made (`site/link/x` with `site/link` → elsewhere).
    private func checkParent(of path: String) throws(BerthProblem) {
        var prefix = ""
        for part in path.split(separator: "/").dropLast() {
            prefix += (prefix.isEmpty ? "" : "/") + part
            if symlinks.contains(prefix) {
                throw refused("'\(Self.shown(path))' lies behind the symlink '\(Self.shown(prefix))'")
            }
        }
    }

    /// A symlink's target is relative and, resolved from the link's directory, stays inside `site/`.
    private func checkLink(_ path: String, target: String) throws(BerthProblem) {
        guard !target.isEmpty, !target.hasPrefix("/"), target.utf8.count <= limits.pathBytes else {
            throw refused("the symlink '\(Self.shown(path))' points to '\(Self.shown(target))', outside the site")
        }
        var resolved = path.split(separator: "/").dropLast().map(String.init)
        for part in target.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                resolved.removeLast()
                if resolved.isEmpty { break }
            } else {
                resolved.append(String(part))
            }
        }
        guard resolved.first == SiteUpload.rootDirectory else {
            throw refused("the symlink '\(Self.shown(path))' points to '\(Self.shown(target))', outside the site")
        }
    }

    private func refused(_ reason: String) -> BerthProblem {
        BerthProblem(.uploadRefused, "the upload was refused: \(reason); nothing was built")
    }

    private func creationFailed(_ path: String) -> BerthProblem {
        if errno == EEXIST { return refused("'\(Self.shown(path))' appears twice") }
        if errno == ENOENT { return refused("'\(Self.shown(path))' comes before its directory") }
        return BerthProblem(.failed, "the server could not store '\(Self.shown(path))': \(String(cString: strerror(errno)))")
    }

    static func padding(_ size: Int64) -> Int { Int((512 - size % 512) % 512) }

    static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    static func path(_ block: [UInt8]) -> String {
        let name = string(block[0..<100])
        let prefix = string(block[345..<500])
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    static func mode(_ block: [UInt8]) -> Int64 { octal(block[100..<108]) ?? 0o644 }

    /// An octal field (NUL- or space-terminated); nil for anything else, base-256 included.
    static func octal(_ bytes: ArraySlice<UInt8>) -> Int64? {
        let digits = bytes.drop { $0 == 32 }.prefix { $0 != 0 && $0 != 32 }
        guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ (48...55).contains($0) }) else {
            return digits.isEmpty && bytes.allSatisfy({ $0 == 0 || $0 == 32 }) ? 0 : nil
        }
        return digits.reduce(0) { $0 * 8 + Int64($1 - 48) }
    }

    /// pax records: `LENGTH KEY=VALUE\n`, each length counting the whole record.
    static func paxRecords(_ bytes: [UInt8]) throws(BerthProblem) -> [String: String] {
        var records: [String: String] = [:]
        var index = 0
        while index < bytes.count {
            guard let space = bytes[index...].firstIndex(of: 32),
                  let length = Int(String(decoding: bytes[index..<space], as: UTF8.self)), length > 0,
                  index + length <= bytes.count, bytes[index + length - 1] == 10,
                  let equals = bytes[(space + 1)..<(index + length)].firstIndex(of: UInt8(ascii: "="))
            else {
                throw BerthProblem(.uploadRefused, "the upload was refused: an extended (pax) header is damaged; nothing was built")
            }
            let key = String(decoding: bytes[(space + 1)..<equals], as: UTF8.self)
            records[key] = String(decoding: bytes[(equals + 1)..<(index + length - 1)], as: UTF8.self)
            index += length
        }
        return records
    }

    /// A name as shown in a message: control characters escaped, at most 200 characters.
    static func shown(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "\\u{\(String($0.value, radix: 16))}" : String($0) }
            .joined().prefix(200))
    }
}
