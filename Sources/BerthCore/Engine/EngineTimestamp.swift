import Foundation

/// Docker's timestamps: RFC 3339 with up to nine fractional digits, e.g. `2026-11-23T08:30:30.123456789Z`.
public enum EngineTimestamp {
    /// The moment, or nil for text that is not such a timestamp and for Docker's zero time
    /// (`0001-01-01T00:00:00Z`), which it reports for a container that never started.
    public static func parse(_ text: String) -> Date? {
        guard !text.hasPrefix("0001-") else { return nil }
        // Foundation's ISO 8601 parsing takes at most milliseconds; parse the whole seconds and add the fraction.
        var wholeSeconds = text
        var fraction = 0.0
        if let dot = text.firstIndex(of: ".") {
            let digits = text[text.index(after: dot)...].prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Double("0." + digits) else { return nil }
            fraction = value
            wholeSeconds = String(text[..<dot]) + text[digits.endIndex...]
        }
        guard let date = try? Date(wholeSeconds, strategy: .iso8601) else { return nil }
        return date.addingTimeInterval(fraction)
    }
}
