/// How a value someone gave berth is shown back in an error: quoted, with newlines and other control characters
/// escaped, and cut short when long, so that a hostile or mistaken value cannot garble the message.
enum ConfigValue {
    static let shownLength = 80

    static func quoted(_ value: String) -> String {
        var shown = ""
        for scalar in value.unicodeScalars.prefix(shownLength) {
            switch scalar {
            case "\n": shown += "\\n"
            case "\r": shown += "\\r"
            case "\t": shown += "\\t"
            case "'": shown += "\\'"
            case "\\": shown += "\\\\"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
                    shown += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    shown.unicodeScalars.append(scalar)
                }
            }
        }
        let count = value.unicodeScalars.count
        if count > shownLength { shown += "… (\(count) characters)" }
        return "'\(shown)'"
    }
}
