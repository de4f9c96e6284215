import Foundation

/// A point in time with nanosecond precision, as Docker stamps log lines (`2024-05-01T12:00:00.123456789Z`).
/// Comparing parsed values rather than the text orders stamps whatever their offset or number of digits.
public struct LogTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var secondsSince1970: Int64
    /// 0 up to 999_999_999.
    public var nanoseconds: Int32

    public static let distantPast = LogTime(secondsSince1970: .min, nanoseconds: 0)

    public init(secondsSince1970: Int64, nanoseconds: Int32 = 0) {
        self.secondsSince1970 = secondsSince1970
        self.nanoseconds = nanoseconds
    }

    public init(_ date: Date) {
        let interval = date.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        self.init(secondsSince1970: Int64(seconds), nanoseconds: Int32(((interval - seconds) * 1e9).rounded(.down)))
    }

    public static func now() -> LogTime { LogTime(Date()) }

    public static func < (lhs: LogTime, rhs: LogTime) -> Bool {
        (lhs.secondsSince1970, lhs.nanoseconds) < (rhs.secondsSince1970, rhs.nanoseconds)
    }

    public func subtracting(_ duration: Duration) -> LogTime {
        let (seconds, attoseconds) = duration.components
        var wholeSeconds = secondsSince1970 - seconds
        var nanos = Int64(nanoseconds) - attoseconds / 1_000_000_000
        if nanos < 0 {
            nanos += 1_000_000_000
            wholeSeconds -= 1
        }
        return LogTime(secondsSince1970: wholeSeconds, nanoseconds: Int32(nanos))
    }

    /// `seconds.nanoseconds` since 1970, exact.
    public var description: String {
        let fraction = String(nanoseconds)
        return "\(secondsSince1970).\(String(repeating: "0", count: 9 - fraction.count))\(fraction)"
    }

    /// Parses an RFC 3339 time: `2024-05-01T12:00:00Z`, `2024-05-01 14:00:00.5+02:00`; nil for anything else.
    public init?(rfc3339 text: String) {
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(digits: 4), scanner.skip("-"),
            let month = scanner.number(digits: 2), scanner.skip("-"),
            let day = scanner.number(digits: 2), scanner.skip(oneOf: "Tt "),
            let hour = scanner.number(digits: 2), scanner.skip(":"),
            let minute = scanner.number(digits: 2), scanner.skip(":"),
            let second = scanner.number(digits: 2)
        else { return nil }
        var nanos = 0
        if scanner.skip(".") {
            let digits = scanner.digits()
            guard !digits.isEmpty else { return nil }
            // Digits beyond the ninth are below a nanosecond.
            let kept = digits.prefix(9)
            nanos = kept.reduce(0) { $0 * 10 + $1 } * Self.powerOfTen(9 - kept.count)
        }
        var offsetSeconds = 0
        if !scanner.skip(oneOf: "Zz") {
            guard let sign = scanner.take(oneOf: "+-"),
                let offsetHours = scanner.number(digits: 2), scanner.skip(":"),
                let offsetMinutes = scanner.number(digits: 2), offsetHours < 24, offsetMinutes < 60
            else { return nil }
            offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        }
        guard scanner.isAtEnd, (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second <= 60
        else { return nil }
        let days = Int64(Self.daysSince1970(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        self.init(secondsSince1970: seconds, nanoseconds: Int32(nanos))
    }

    private static func powerOfTen(_ exponent: Int) -> Int {
        (0..<exponent).reduce(1) { product, _ in product * 10 }
    }

    private static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's days_from_civil).
    private static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// Reads ASCII digits and punctuation from the front of a byte string.
private struct DigitScanner {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position == bytes.count }

    mutating func number(digits count: Int) -> Int? {
        guard position + count <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[position..<position + count] {
            guard let digit = Self.digit(byte) else { return nil }
            value = value * 10 + digit
        }
        position += count
        return value
    }

    /// Every digit up to the next non-digit.
    mutating func digits() -> [Int] {
        var found: [Int] = []
        while position < bytes.count, let digit = Self.digit(bytes[position]) {
            found.append(digit)
            position += 1
        }
        return found
    }

    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        take(oneOf: String(character)) != nil
    }

    mutating func skip(oneOf characters: String) -> Bool {
        take(oneOf: characters) != nil
    }

    mutating func take(oneOf characters: String) -> UInt8? {
        guard position < bytes.count, characters.utf8.contains(bytes[position]) else { return nil }
        position += 1
        return bytes[position - 1]
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
