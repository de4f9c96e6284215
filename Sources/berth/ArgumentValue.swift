import ArgumentParser
import BerthCore

/// A value parsed, and checked, as the command line is parsed: a bad one is a usage error (status 64) whose
/// message says what is wrong with it: "The value 'lots' is invalid for '--memory <memory>': memory limit 'lots'
/// is not valid: it is not a size such as 64m, 512MiB or 1g".
///
/// ArgumentParser's `init?(argument:)` cannot say why a value is wrong, so options name the throwing parse as
/// their `transform` (`@Option(transform: MemoryLimit.parse)`); the conformance to `ExpressibleByArgument` keeps
/// the types usable where ArgumentParser wants one.
protocol ArgumentValue: ExpressibleByArgument {
    init(checkingArgument text: String) throws
}

extension ArgumentValue {
    init?(argument: String) {
        try? self.init(checkingArgument: argument)
    }

    static func parse(_ text: String) throws -> Self {
        try Self(checkingArgument: text)
    }
}

extension MemoryLimit: ArgumentValue {
    public init?(argument: String) {
        try? self.init(parsing: argument)
    }

    init(checkingArgument text: String) throws {
        try self.init(parsing: text)
    }
}

extension PortRequest: ArgumentValue {
    public init?(argument: String) {
        try? self.init(parsing: argument)
    }

    init(checkingArgument text: String) throws {
        try self.init(parsing: text)
    }
}

extension LogSince: ArgumentValue {
    public init?(argument: String) {
        try? self.init(parsing: argument)
    }

    init(checkingArgument text: String) throws {
        try self.init(parsing: text)
    }
}

extension EdgeHostname: ArgumentValue {
    public init?(argument: String) {
        try? self.init(parsing: argument)
    }

    init(checkingArgument text: String) throws {
        try self.init(parsing: text)
    }
}
