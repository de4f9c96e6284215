#if canImport(Glibc)
import Glibc
#endif

/// Why a write to a file descriptor failed, in the system's words.
struct DescriptorWriteError: Error {
    /// The `errno` value.
    var code: Int32
    var reason: String { String(cString: strerror(code)) }
}

/// Writes all of `bytes` to `descriptor`, going on after partial writes and interruptions.
func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) throws(DescriptorWriteError) {
    guard let base = bytes.baseAddress else { return }
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, base + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            throw DescriptorWriteError(code: errno)
        }
        offset += written
    }
}
