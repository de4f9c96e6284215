import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Records which files of one directory are opened, by anyone, through Linux's inotify: a test can tell what
/// a packer still reads after it was told to stop.
final class OpenedFiles {
    private let descriptor: Int32
    private var seen: [String] = []

    init(in directory: String) throws {
        descriptor = inotify_init1(Int32(IN_NONBLOCK))
        guard descriptor >= 0, inotify_add_watch(descriptor, directory, UInt32(IN_OPEN)) >= 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: directory])
        }
    }

    deinit { close(descriptor) }

    /// The names opened so far, in order, once each time they were opened.
    func names() -> [String] {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= count {
                let (length, name) = buffer.withUnsafeBytes { raw -> (Int, String) in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    let start = offset + MemoryLayout<inotify_event>.size
                    let bytes = raw[start..<(start + Int(event.len))].prefix { $0 != 0 }
                    return (Int(event.len), String(decoding: bytes, as: UTF8.self))
                }
                if !name.isEmpty { seen.append(name) }
                offset += MemoryLayout<inotify_event>.size + length
            }
        }
        return seen
    }
}
