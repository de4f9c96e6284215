#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

struct POSIXError: Error {
    var code: Int32
    var reason: String { String(cString: strerror(code)) }
}

/// The few file-system calls berth needs, on raw bytes: directory names may be any bytes, and a FIFO must never
/// be opened for reading.
enum POSIXFileSystem {
    static func errnoText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return normalized(path) }
        guard let cwd = getcwd(nil, 0) else { return normalized(path) }
        defer { free(cwd) }
        return normalized(String(cString: cwd) + "/" + path)
    }

    /// Removes "." components, duplicate and trailing slashes; keeps ".." (they may cross links).
    static func normalized(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        return "/" + parts.joined(separator: "/")
    }

    /// The names in an open directory, "." and ".." left out, as raw bytes. The descriptor stays open.
    static func directoryNames(_ descriptor: Int32) throws(POSIXError) -> [[UInt8]] {
        // The stream takes its own copy of the descriptor, which closedir closes.
        let copy = dup(descriptor)
        guard copy >= 0 else { throw POSIXError(code: errno) }
        guard let directory = fdopendir(copy) else {
            let code = errno
            close(copy)
            throw POSIXError(code: code)
        }
        defer { closedir(directory) }
        rewinddir(directory)
        var names: [[UInt8]] = []
        errno = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> [UInt8] in
                let bytes = raw.bindMemory(to: UInt8.self)
                let length = bytes.firstIndex(of: 0) ?? bytes.count
                return Array(bytes[..<length])
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            names.append(name)
        }
        if errno != 0 { throw POSIXError(code: errno) }
        return names
    }

    static func readLink(_ source: SourceName) -> String? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = buffer.withUnsafeMutableBufferPointer { pointer in
            pointer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: pointer.count) {
                readlinkat(source.directory, source.name, $0, pointer.count - 1)
            }
        }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "named pipe (FIFO)"
        case S_IFSOCK: return "socket"
        case S_IFCHR: return "character device"
        case S_IFBLK: return "block device"
        default: return "special file"
        }
    }
}
