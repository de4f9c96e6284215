import ArgumentParser
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// `--verbose` and `--log-file`, on every command.
struct GlobalOptions: ParsableArguments {
    @Flag(name: [.short, .long], help: "Show berth's log on standard error at info level (default: warnings only).")
    var verbose = false

    @Option(name: .customLong("log-file"), help: "Append berth's log at debug level to this file.",
            completion: .file())
    var logFile: String?

    /// Sets up logging once per process (the shell runs many commands; the first one's settings hold).
    func bootstrapLogging() throws {
        let fileHandle = try logFile.map { path -> FileHandle in
            // Appending by the descriptor's own mode: a pipe or /dev/stderr works as well as a file.
            let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw CommandError("cannot write the log file '\(path)': \(String(cString: strerror(errno))); "
                    + "check the path and its permissions")
            }
            return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        }
        let consoleLevel: Logger.Level = verbose ? .info : .warning
        LoggingBootstrap.once {
            LoggingSystem.bootstrap { label in
                var handlers: [LogHandler] = [StreamLogHandler.standardError(label: label)]
                handlers[0].logLevel = consoleLevel
                if let fileHandle {
                    var file = FileLogHandler(label: label, handle: fileHandle)
                    file.logLevel = .debug
                    handlers.append(file)
                }
                return MultiplexLogHandler(handlers)
            }
        }
    }
}

enum LoggingBootstrap {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var done = false

    static func once(_ body: () -> Void) {
        lock.withLock {
            guard !done else { return }
            done = true
            body()
        }
    }
}

/// Writes one line per log record, with a timestamp, to a file.
struct FileLogHandler: LogHandler {
    let label: String
    let handle: FileHandle
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let details = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: " ")
        let time = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt,
                                               formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        let line = "\(time) \(event.level) \(label): \(event.message)\(details)\n"
        // A log line that cannot be written (a full disk) is dropped: logging must never end the command.
        var text = line
        text.withUTF8 { try? writeAll(UnsafeRawBufferPointer($0), to: handle.fileDescriptor) }
    }
}
