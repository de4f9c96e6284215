/// A set of code points, built the way Go's parser builds a class: a union of items, possibly negated as a whole.
struct CharacterClass: Sendable {
    enum Item: Sendable {
        case range(UInt32, UInt32)
        /// A Go group such as `\d` or `[:alpha:]`: ASCII ranges, or their complement.
        case group([ClosedRange<UInt32>], negated: Bool)
        case category(UnicodeCategory, negated: Bool)
    }

    var items: [Item] = []
    var negated = false

    func contains(_ character: UInt32) -> Bool {
        let inItems = items.contains { item in
            switch item {
            case .range(let low, let high):
                return low <= character && character <= high
            case .group(let ranges, let groupNegated):
                return ranges.contains { $0.contains(character) } != groupNegated
            case .category(let category, let categoryNegated):
                return category.contains(character) != categoryNegated
            }
        }
        return inItems != negated
    }

    static let perlWord = CharacterClass(items: [.group(GoRegexParser.asciiWord, negated: false)])
}
