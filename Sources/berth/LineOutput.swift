import BerthCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a stream of lines goes: standard output, or a file that is appended to (created with mode 0644 when it
/// does not exist). Text is gathered and written in large pieces; `flush()` writes what is gathered.
final class LineOutput {
    private let descriptor: Int32
    private let name: String
    private let ownsDescriptor: Bool
    private var pending: [UInt8] = []
    private static let flushThreshold = 64 * 1024

    /// Standard output when `path` is nil.
    init(appendingTo path: String?) throws {
        guard let path else {
            descriptor = STDOUT_FILENO
            name = "standard output"
            ownsDescriptor = false
            return
        }
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CommandError("cannot open '\(path)' to append to it: \(String(cString: strerror(errno)))")
        }
        name = "'\(path)'"
        ownsDescriptor = true
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    func write(_ text: String) throws {
        pending.append(contentsOf: text.utf8)
        if pending.count >= Self.flushThreshold { try flush() }
    }

    /// One JSON object on its own line, in berth's one encoding.
    func writeJSONLine(_ value: some Encodable) throws {
        pending.append(contentsOf: try BerthJSON.encode(value))
        pending.append(UInt8(ascii: "\n"))
        if pending.count >= Self.flushThreshold { try flush() }
    }

    func flush() throws {
        defer { pending.removeAll(keepingCapacity: true) }
        guard ownsDescriptor else {
            pending.withUnsafeBytes { StandardOutput.write($0) }
            return
        }
        do {
            try pending.withUnsafeBytes { try writeAll($0, to: descriptor) }
        } catch let error as DescriptorWriteError {
            throw CommandError("cannot write to \(name): \(error.reason)")
        }
    }
}
