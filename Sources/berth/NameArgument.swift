import ArgumentParser
import BerthCore

/// A site or user name from the command line, held to the one rule of `SiteName`.
struct NameArgument: ArgumentValue, Sendable, Hashable, CustomStringConvertible {
    let value: String

    init(checkingArgument text: String) throws {
        value = try SiteName.checked(text)
    }

    var description: String { value }
}
