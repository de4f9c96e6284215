import BerthCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a context stream to a file or standard output. A regular file is written under a temporary name and
/// renamed when complete, so a failed pack never leaves a truncated tar where the user asked for one.
enum TarFileOutput {
    static func write(_ stream: ContextStream, to path: String) async throws -> ContextSummary {
        if path == "-" {
            for try await chunk in stream {
                chunk.withUnsafeReadableBytes { StandardOutput.write($0) }
            }
            return try summary(of: stream)
        }
        var info = stat()
        let isSpecial = stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG
        let target = isSpecial ? path : path + ".berth-partial"
        let descriptor = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ContextError.output(path: path, reason: String(cString: strerror(errno)))
        }
        do {
            try await copy(stream, to: descriptor, name: path)
            close(descriptor)
        } catch {
            close(descriptor)
            if !isSpecial { unlink(target) }
            throw error
        }
        if !isSpecial && rename(target, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(target)
            throw ContextError.output(path: path, reason: reason)
        }
        return try summary(of: stream)
    }

    private static func summary(of stream: ContextStream) throws -> ContextSummary {
        guard let summary = stream.summary else { throw ContextError.archive("the stream ended without a digest") }
        return summary
    }

    private static func copy(_ stream: ContextStream, to descriptor: Int32, name: String) async throws {
        for try await chunk in stream {
            do {
                try chunk.withUnsafeReadableBytes { try writeAll($0, to: descriptor) }
            } catch let error as DescriptorWriteError {
                throw ContextError.output(path: name, reason: error.reason)
            }
        }
    }
}
