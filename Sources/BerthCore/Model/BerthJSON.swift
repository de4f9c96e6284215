import Foundation

/// berth's one JSON encoding for everything it prints with `--json` (and, later, its API): keys in a stable
/// (sorted) order, dates in RFC 3339, slashes as they are.
public enum BerthJSON {
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(value)
    }

    /// The value as one line of JSON, newline included.
    public static func line(_ value: some Encodable) throws -> String {
        String(decoding: try encode(value), as: UTF8.self) + "\n"
    }
}
