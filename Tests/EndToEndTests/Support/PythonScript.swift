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
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
