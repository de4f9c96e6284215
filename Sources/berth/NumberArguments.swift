import ArgumentParser

/// The least a count on the command line may be.
protocol NumberFloor {
    static var minimum: Int { get }
}

/// `--tail` lines, `--lock-wait` seconds.
enum ZeroOrMore: NumberFloor {
    static let minimum = 0
}

/// `--check-timeout` seconds, `--jobs`, `--keep`.
enum OneOrMore: NumberFloor {
    static let minimum = 1
}

/// A whole number of at least `Floor.minimum`; anything else ("many", "-3") is a usage error saying what to give.
struct WholeNumber<Floor: NumberFloor>: ArgumentValue, Sendable, Hashable, CustomStringConvertible {
    let value: Int

    init(_ value: Int) {
        self.value = value
    }

    init(checkingArgument text: String) throws {
        let wanted = "give a whole number, \(Floor.minimum) or more"
        guard let number = Int(text) else {
            throw NumberArgumentError(description: "'\(text)' is not a number; \(wanted)")
        }
        guard number >= Floor.minimum else {
            throw NumberArgumentError(description: "\(number) is too small; \(wanted)")
        }
        value = number
    }

    var description: String { "\(value)" }
}

/// Why a count on the command line is not one.
struct NumberArgumentError: Error, CustomStringConvertible {
    var description: String
}
