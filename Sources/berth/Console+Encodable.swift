import Foundation

extension Console {
    /// A value as one JSON object on its own line on standard output, dates in RFC 3339, with `extra` fields
    /// added (the value's own win).
    static func jsonLine<Value: Encodable>(encoding value: Value, adding extra: [String: Any] = [:]) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        var object = try JSONSerialization.jsonObject(with: try encoder.encode(value)) as? [String: Any] ?? [:]
        object.merge(extra) { own, _ in own }
        jsonLine(object)
    }
}
