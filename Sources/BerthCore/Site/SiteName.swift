/// Names of sites and users as they appear in image and container names: lower-case letters and digits, in runs
/// joined by single dashes (`[a-z0-9]+(-[a-z0-9]+)*`), at most 63 characters. Such a name never holds `--` and
/// never starts or ends with a dash, which is what makes the names `SiteIdentity` derives injective.
public enum SiteName {
    public static let maximumLength = 63

    /// Words berth uses in the names of what it makes besides sites (`berth-lock--…`, `…--next`, `…--old`): refused as site
    /// and user names, so that no name berth shows can be read two ways.
    public static let reserved: Set<String> = ["lock", "next", "old"]

    /// What a name names, for the message that refuses it.
    public enum Role: Sendable, Equatable {
        case site, user, host
        /// A name from a source the message names instead (an environment variable), or from an argument whose
        /// own message says which (nil).
        case given(by: String?)

        var subject: String? {
            switch self {
            case .site: "site name"
            case .user: "user name"
            case .host: "host name"
            case .given(let source): source
            }
        }
    }

    /// The rule, in the words every error about a name uses.
    public static let rule = "a name may hold only lower-case letters (a-z), digits and single dashes, "
        + "must start and end with a letter or digit, and is at most 63 characters long"

    /// Lower-case letters and digits kept, every run of anything else one dash, no dash at either end; empty when
    /// nothing is left (`日本`, `..`).
    public static func sanitized(_ raw: String) -> String {
        var result = ""
        for scalar in raw.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                result.unicodeScalars.append(scalar)
            } else if !result.isEmpty && !result.hasSuffix("-") {
                result.append("-")
            }
        }
        result = String(result.prefix(maximumLength))
        while result.hasSuffix("-") { result.removeLast() }
        return result
    }

    /// The name a directory's name gives, or nil when it gives none that may be used (empty or reserved).
    public static func derived(from directoryName: String) -> String? {
        let name = sanitized(directoryName)
        return name.isEmpty || reserved.contains(name) ? nil : name
    }

    /// Whether `name` is spelled as a site or user name must be (reserved words aside).
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.count <= maximumLength && sanitized(name) == name
    }

    /// Fails unless `name` may name a site, user or host: well spelled and not reserved. The one check of names
    /// that come from people (command line, environment, `berth.yml`, the hosts file, the server's API).
    public static func check(_ name: String, as role: Role) throws(SiteNameError) {
        guard isValid(name) else { throw SiteNameError.invalid(name, role: role) }
        guard !reserved.contains(name) else { throw SiteNameError.reserved(name, role: role) }
    }

    /// `name` when it may be used as given (`check`).
    public static func checked(_ name: String, as role: Role = .given(by: nil)) throws(SiteNameError) -> String {
        try check(name, as: role)
        return name
    }
}

public enum SiteNameError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String, role: SiteName.Role)
    case reserved(String, role: SiteName.Role)
    /// The site's directory gives no usable name (`derived` is what it gives: empty or reserved).
    case directoryName(directory: String, path: String, derived: String)

    public var description: String {
        switch self {
        case .invalid("", .user):
            return "no user name: the login name holds no letters a-z or digits; pass --user or set BERTH_USER"
        case .invalid(let name, let role):
            return "\(Self.subject(name, role)) is not valid: \(SiteName.rule)"
        case .reserved(let name, let role):
            return "\(Self.subject(name, role)) is reserved: berth uses it in the names of its own containers; "
                + "choose another"
        case .directoryName(let directory, let path, let derived):
            let gives = derived.isEmpty
                ? "holds no letters a-z or digits to name the site by"
                : "gives the site name '\(derived)', which berth reserves for its own containers"
            return "the directory name '\(directory)' (of \(path)) \(gives); name the site with --name, "
                + "e.g. --name my-site"
        }
    }

    private static func subject(_ name: String, _ role: SiteName.Role) -> String {
        role.subject.map { "\($0) '\(name)'" } ?? "'\(name)'"
    }
}
