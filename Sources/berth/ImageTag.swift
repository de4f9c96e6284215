import ArgumentParser

/// A version's tag, as `publish --tag` names it and `rollback --to` chooses it: what Docker accepts as an image tag
/// (ASCII letters, digits, `_`, `.` and `-`, not starting with `.` or `-`, at most 128 characters).
struct ImageTag: ArgumentValue, Sendable, Hashable, CustomStringConvertible {
    let value: String

    init(checkingArgument text: String) throws {
        guard Self.isValid(text) else {
            throw ImageTagError(description: "'\(text)' is not an image tag: use letters, digits, _ . and -, "
                + "starting with a letter, digit or _, at most 128 characters")
        }
        value = text
    }

    var description: String { value }

    static func isValid(_ tag: String) -> Bool {
        guard let first = tag.unicodeScalars.first, tag.unicodeScalars.count <= 128 else { return false }
        let allowed = { (scalar: Unicode.Scalar) in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "_.-".unicodeScalars.contains(scalar))
        }
        return first != "." && first != "-" && tag.unicodeScalars.allSatisfy(allowed)
    }
}

struct ImageTagError: Error, CustomStringConvertible {
    var description: String
}
