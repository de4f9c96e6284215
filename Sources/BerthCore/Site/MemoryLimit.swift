/// A container memory limit in bytes, parsed from what people write: `64m`, `1g`, `512MiB`, `1.5G`, `67108864`.
public struct MemoryLimit: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let bytes: Int64

    /// Docker refuses limits below 6 MiB.
    public static let dockerMinimum = MemoryLimit(bytes: 6 * 1024 * 1024)
    public static let defaultLimit = MemoryLimit(bytes: 64 * 1024 * 1024)

    public init(bytes: Int64) {
        self.bytes = bytes
    }

    public init(parsing text: String) throws(MemoryLimitError) {
        let trimmed = text.trimmingWhitespace().lowercased()
        let numberPart = trimmed.prefix { $0.isNumber || $0 == "." }
        let unitPart = trimmed.dropFirst(numberPart.count).trimmingWhitespace()
        guard !numberPart.isEmpty, let number = Double(numberPart), number.isFinite else {
            throw MemoryLimitError(text: text, reason: "it is not a size such as 64m, 512MiB or 1g")
        }
        let multiplier: Double
        switch unitPart {
        case "", "b": multiplier = 1
        case "k", "kb", "kib": multiplier = 1024
        case "m", "mb", "mib": multiplier = 1024 * 1024
        case "g", "gb", "gib": multiplier = 1024 * 1024 * 1024
        default:
            throw MemoryLimitError(text: text, reason: "unknown unit \(ConfigValue.quoted(String(unitPart))); use k, m or g (KiB, MiB, GiB)")
        }
        let value = number * multiplier
        guard value < Double(Int64.max) else {
            throw MemoryLimitError(text: text, reason: "it is too large")
        }
        let limit = MemoryLimit(bytes: Int64(value))
        guard limit >= Self.dockerMinimum else {
            throw MemoryLimitError(text: text, reason: "Docker's minimum memory limit is 6m")
        }
        self = limit
    }

    public static func < (lhs: MemoryLimit, rhs: MemoryLimit) -> Bool { lhs.bytes < rhs.bytes }

    /// The shortest exact spelling: `64m`, `1g`, `1536k`.
    public var description: String {
        let units: [(Int64, String)] = [(1 << 30, "g"), (1 << 20, "m"), (1 << 10, "k")]
        for (size, suffix) in units where bytes % size == 0 {
            return "\(bytes / size)\(suffix)"
        }
        return "\(bytes)"
    }

    /// For people: `64 MiB`, `1.5 GiB`.
    public var readable: String { ReadableUnits.bytes(bytes) }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let bytes = try? container.decode(Int64.self) {
            self.init(bytes: bytes)
        } else {
            try self.init(parsing: container.decode(String.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bytes)
    }
}

public struct MemoryLimitError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "memory limit '\(text)' is not valid: \(reason)" }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
