import Foundation

/// What a command run inside a container (`docker exec`) printed, and how it exited.
public struct ExecResult: Sendable, Equatable {
    public var exitCode: Int
    /// Standard output and standard error, line by line, in the order the container wrote them.
    public var lines: [LogLine]

    public init(exitCode: Int, lines: [LogLine]) {
        self.exitCode = exitCode
        self.lines = lines
    }

    public var output: String { lines.filter { $0.stream == .stdout }.map(\.text).joined(separator: "\n") }
    public var errorOutput: String { lines.filter { $0.stream == .stderr }.map(\.text).joined(separator: "\n") }
}

struct ExecCreate: Encodable, Sendable {
    var cmd: [String]
    var attachStdout = true
    var attachStderr = true

    enum CodingKeys: String, CodingKey {
        case cmd = "Cmd"
        case attachStdout = "AttachStdout"
        case attachStderr = "AttachStderr"
    }
}

struct ExecStart: Encodable, Sendable {
    var detach = false
    var tty = false

    enum CodingKeys: String, CodingKey {
        case detach = "Detach"
        case tty = "Tty"
    }
}

struct ExecInspect: Decodable, Sendable {
    var exitCode: Int?
    var running: Bool

    enum CodingKeys: String, CodingKey {
        case exitCode = "ExitCode"
        case running = "Running"
    }
}

extension DockerEngine {
    /// Runs `command` in a running container (`POST /containers/{id}/exec`, then `/exec/{id}/start`), waits for it
    /// to end (at most `requestTimeout`) and returns its output and exit code.
    public func exec(_ id: String, command: [String]) async throws -> ExecResult {
        let operation = "run \(command.first ?? "a command") in the container \(id)"
        var create = EngineRequest(method: .POST, path: "/containers/\(EngineQuery.percentEncodePath(id))/exec")
        try create.setJSONBody(ExecCreate(cmd: command))
        let created = try await sendForJSON(create, as: ContainerCreated.self, operation: operation,
                                            notFound: "container \(id)")
        let execPath = "/exec/\(EngineQuery.percentEncodePath(created.id))"
        var startRequest = EngineRequest(method: .POST, path: execPath + "/start")
        try startRequest.setJSONBody(ExecStart())
        let start = startRequest
        let lines = try await withTimeout(requestTimeout, operation: operation) {
            let response = try await self.execute(start, operation: operation, headTimeout: self.requestTimeout)
            try await self.expectSuccess(response, operation: operation, notFound: "container \(id)")
            var lines: [LogLine] = []
            do {
                try await forEachLogLine(in: response.body, multiplexed: true, timestamps: false) { lines.append($0) }
            } catch let error as LogFrameError {
                throw EngineError.invalidResponse(operation: operation, reason: error.description)
            }
            return lines
        }
        // The output ends when the command does; its exit code may take a moment to be recorded.
        for _ in 0..<50 {
            let state = try await getJSON(ExecInspect.self, path: execPath + "/json", operation: operation)
            if !state.running, let code = state.exitCode { return ExecResult(exitCode: code, lines: lines) }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw EngineError.invalidResponse(operation: operation, reason: "the command's exit code never came")
    }
}
