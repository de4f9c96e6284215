import Foundation

/// Runs a program other than berth (openssl, schemathesis) and returns how it exited and what it printed.
enum ChildProcess {
    struct Outcome: CustomStringConvertible {
        var status: Int32
        var output: String
        var description: String { "exit \(status)\n\(output)" }
    }

    /// `command` is looked up on PATH. Standard output and error go to one file, in the order written; a program
    /// still running after `timeout` seconds is killed (and its outcome says so by its status).
    static func run(_ command: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                    directory: String? = nil, timeout: Double = 60) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = try TemporaryFile()
        process.standardOutput = output.handle
        process.standardError = output.handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        guard process.waitUntilExit(within: timeout) else {
            throw FixtureError("\(command.joined(separator: " ")) was still running after \(timeout) s:\n"
                + (try output.contents()))
        }
        return Outcome(status: process.terminationStatus, output: try output.contents())
    }
}
