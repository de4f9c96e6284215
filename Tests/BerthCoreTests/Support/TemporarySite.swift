import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A scratch directory for one test, removed when the test drops it.
final class TemporarySite {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/berth-test-XXXXXX").utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = String(cString: created)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func url(_ relative: String) -> URL {
        URL(fileURLWithPath: path).appendingPathComponent(relative)
    }

    @discardableResult
    func write(_ relative: String, _ contents: String = "x", mode: Int? = nil) throws -> String {
        try write(relative, bytes: Array(contents.utf8), mode: mode)
    }

    @discardableResult
    func write(_ relative: String, bytes: [UInt8], mode: Int? = nil) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: full, contents: Data(bytes)) else {
            throw CocoaError(.fileWriteUnknown)
        }
        if let mode { chmod(full, mode_t(mode)) }
        return full
    }

    func mkdir(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: path + "/" + relative, withIntermediateDirectories: true)
    }

    func symlink(_ relative: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path + "/" + relative, withDestinationPath: target)
    }
}
