import Yams

/// A mistake in one of berth's YAML files (`berth.yml`, `hosts.yml`), named by file and line.
public struct ConfigFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file), line \(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// Reads a YAML file as a top-level mapping whose keys must all be known, keeping line numbers for errors.
struct YAMLMapping {
    let file: String
    let entries: [(key: String, value: Node, line: Int?)]
    let line: Int?

    static func parse(_ text: String, file: String) throws(ConfigFileError) -> YAMLMapping? {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigFileError(file: file, line: Self.line(of: error), message: "not valid YAML: \(Self.problem(of: error))")
        } catch {
            throw ConfigFileError(file: file, line: nil, message: "not valid YAML: \(error)")
        }
        guard let node else { return nil }
        return try YAMLMapping(node: node, file: file, what: "the file")
    }

    init(node: Node, file: String, what: String) throws(ConfigFileError) {
        guard case .mapping(let mapping) = node else {
            throw ConfigFileError(file: file, line: node.mark?.line, message: "\(what) must be a mapping of keys to values")
        }
        self.file = file
        self.line = node.mark?.line
        var entries: [(key: String, value: Node, line: Int?)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw ConfigFileError(file: file, line: key.mark?.line, message: "keys must be plain names")
            }
            if entries.contains(where: { $0.key == scalar.string }) {
                throw ConfigFileError(file: file, line: key.mark?.line, message: "'\(scalar.string)' is given twice")
            }
            entries.append((scalar.string, value, key.mark?.line))
        }
        self.entries = entries
    }

    func rejectUnknownKeys(allowed: [String], in what: String) throws(ConfigFileError) {
        for entry in entries where !allowed.contains(entry.key) {
            throw ConfigFileError(
                file: file, line: entry.line,
                message: "unknown key '\(entry.key)' in \(what); known keys: \(allowed.joined(separator: ", "))")
        }
    }

    func string(_ key: String) throws(ConfigFileError) -> (value: String, line: Int?)? {
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        guard case .scalar(let scalar) = entry.value, !scalar.string.isEmpty else {
            throw ConfigFileError(file: file, line: entry.line, message: "'\(key)' must be a single value")
        }
        return (scalar.string, entry.line)
    }

    /// A list of single values (`key: [a, b]` or a block list), or one value; each with its line.
    func strings(_ key: String) throws(ConfigFileError) -> [(value: String, line: Int?)] {
        guard let entry = entries.first(where: { $0.key == key }) else { return [] }
        guard case .sequence(let sequence) = entry.value else {
            guard let one = try string(key) else { return [] }
            return [one]
        }
        var values: [(value: String, line: Int?)] = []
        for item in sequence {
            guard case .scalar(let scalar) = item, !scalar.string.isEmpty else {
                throw ConfigFileError(file: file, line: item.mark?.line ?? entry.line,
                                      message: "'\(key)' must be a list of single values")
            }
            values.append((scalar.string, item.mark?.line ?? entry.line))
        }
        return values
    }

    func bool(_ key: String) throws(ConfigFileError) -> Bool? {
        guard let (text, line) = try string(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            throw ConfigFileError(file: file, line: line,
                                  message: "\(key) \(ConfigValue.quoted(text)) is not valid: it must be true or false")
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        case .duplicatedKeysInMapping(_, let context): context.mark.line
        default: nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: "\(error)"
        }
    }
}
