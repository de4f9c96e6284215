import Foundation

/// Runs a small Python program (the tests' pseudo-terminal drivers) from the checkout, and returns what it printed.
enum PythonScript {
    static func run(_ script: String, arguments: [String],
                    environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        process.currentDirectoryURL = BerthCLI.repositoryRoot
        process.environment = environment
        let output = try TemporaryFile()
        process.standardOutput = output.handle
        try process.run()
        // The drivers give up on each step by themselves; this only guards against one hanging.
        guard process.waitUntilExit(within: 240) else {
            throw FixtureError("the driver was still running after 240 s: \(try output.contents())")
        }
        return try output.contents()
    }
}
