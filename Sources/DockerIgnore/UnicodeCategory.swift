/// A one-letter Unicode general category as Go's `unicode.Categories` defines it (Go's "C" has no unassigned code
/// points), or `Any`.
enum UnicodeCategory: Sendable {
    case other, letter, mark, number, punctuation, symbol, separator, any

    init?(name: String) {
        switch name {
        case "C": self = .other
        case "L": self = .letter
        case "M": self = .mark
        case "N": self = .number
        case "P": self = .punctuation
        case "S": self = .symbol
        case "Z": self = .separator
        case "Any": self = .any
        default: return nil
        }
    }

    func contains(_ character: UInt32) -> Bool {
        if self == .any { return character <= 0x10FFFF }
        // Surrogates are Cs in Go but cannot occur in valid text, which is all a Swift String holds.
        guard let scalar = Unicode.Scalar(character) else { return self == .other }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate:
            return self == .other
        case .unassigned:
            return false
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return self == .letter
        case .nonspacingMark, .spacingMark, .enclosingMark:
            return self == .mark
        case .decimalNumber, .letterNumber, .otherNumber:
            return self == .number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return self == .punctuation
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return self == .symbol
        case .spaceSeparator, .lineSeparator, .paragraphSeparator:
            return self == .separator
        @unknown default:
            return false
        }
    }
}
