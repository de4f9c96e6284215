/// Why a `.dockerignore` line cannot be used. Docker refuses to build with the same line.
public struct IgnoreRulesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number in `.dockerignore`.
    public let line: Int
    /// The line as written (trimmed).
    public let pattern: String
    public let reason: String

    public init(line: Int, pattern: String, reason: String) {
        self.line = line
        self.pattern = pattern
        self.reason = reason
    }

    public var description: String {
        ".dockerignore line \(line): '\(pattern)' is not a valid pattern: \(reason); "
            + "fix or delete that line (docker build rejects it too)"
    }
}
