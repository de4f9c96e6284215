/// What a registry asks for in a `401` answer's `WWW-Authenticate` header: `Basic realm="…"`, or
/// `Bearer realm="https://auth…",service="…",scope="…"` (a token to fetch from `realm` first).
public struct RegistryChallenge: Sendable, Equatable {
    public enum Scheme: String, Sendable, Equatable {
        case basic, bearer
    }

    public var scheme: Scheme
    public var parameters: [String: String]

    public init(scheme: Scheme, parameters: [String: String] = [:]) {
        self.scheme = scheme
        self.parameters = parameters
    }

    /// nil for a scheme berth does not speak, or a header that is not a challenge.
    public init?(header: String) {
        let trimmed = header.trimmingWhitespace()
        let schemeEnd = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
        guard let scheme = Scheme(rawValue: trimmed[..<schemeEnd].lowercased()) else { return nil }
        self.scheme = scheme
        parameters = Self.parameters(String(trimmed[schemeEnd...]))
    }

    /// `key="value", key=value`: quoted values may hold commas.
    static func parameters(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let equals = rest.firstIndex(of: "=") else { return result }
            let key = rest[..<equals].trimmingWhitespace().lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        value.append(character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        value.append(character)
                    }
                }
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingWhitespace()
                rest = rest[end...]
            }
            result[key] = value
        }
    }
}
