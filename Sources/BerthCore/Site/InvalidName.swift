/// A site, user or host name that breaks the rule of `SiteName` (the parts of image and container names).
public struct InvalidName: Error, Sendable, Equatable, CustomStringConvertible {
    /// What the name is for ("site name", "user", "host name"), or nil when the message's context says it.
    public var what: String?
    public var name: String
    /// Spelled right, but one of the words berth uses in the names of its own containers (`SiteName.reserved`).
    public var isReserved: Bool

    public init(_ name: String, what: String? = nil, isReserved: Bool = false) {
        self.name = name
        self.what = what
        self.isReserved = isReserved
    }

    /// The rule, in the words every error about a name uses.
    public static let rule = "a name may hold only lower-case letters (a-z), digits and single dashes, "
        + "must start and end with a letter or digit, and is at most 63 characters long"

    public var description: String {
        let subject = what.map { "\($0) '\(name)'" } ?? "'\(name)'"
        if isReserved {
            return "\(subject) is reserved: berth uses it in the names of its own containers; choose another"
        }
        return "\(subject) is not valid: \(Self.rule)"
    }
}

extension SiteName {
    /// `name` when it may be used as given; else an error that states the rule. The one check of names that come
    /// from people (command line, environment, `berth.yml`, the hosts file).
    public static func checked(_ name: String, what: String? = nil) throws(InvalidName) -> String {
        guard isValid(name) else { throw InvalidName(name, what: what) }
        guard !reserved.contains(name) else { throw InvalidName(name, what: what, isReserved: true) }
        return name
    }
}
