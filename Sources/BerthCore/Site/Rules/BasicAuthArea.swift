import Yams

/// A part of the site behind a password (berth.yml's `basic_auth`): every path under `pathPrefix`, and the users
/// who may see it, each with a crypt(3) SHA-512 hash (`berth passwd` makes one). Only hashes are ever written:
/// into an htpasswd file in the image, which nginx checks each request against.
public struct BasicAuthArea: Sendable, Hashable {
    public struct User: Sendable, Hashable {
        /// Letters, digits, `.`, `_` and `-`; never `:`, which ends the name in an htpasswd line.
        public var name: String
        public var hash: String
    }

    /// Starts with `/`; `/` protects the whole site. Literal segments only.
    public var pathPrefix: String
    public var users: [User]

    static let key = "basic_auth"

    /// `$6$`, an optional `rounds=N$`, a salt of 1–16 characters and an 86-character digest, each of `./0-9A-Za-z`.
    public static func isSHA512CryptHash(_ text: String) -> Bool {
        guard text.hasPrefix("$6$") else { return false }
        var parts = text.dropFirst(3).split(separator: "$", omittingEmptySubsequences: false)
        if let first = parts.first, first.hasPrefix("rounds=") {
            guard let rounds = Int(first.dropFirst("rounds=".count)), first.allSatisfy(\.isASCII),
                  (1000...999_999_999).contains(rounds) else { return false }
            parts.removeFirst()
        }
        guard parts.count == 2 else { return false }
        let alphabet = Set(SHA512Crypt.alphabet)
        let isCrypt64 = { (text: Substring) in text.utf8.allSatisfy { alphabet.contains($0) } }
        return (1...16).contains(parts[0].utf8.count) && isCrypt64(parts[0])
            && parts[1].utf8.count == 86 && isCrypt64(parts[1])
    }

    static func isUserName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 64 else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || "._-".unicodeScalars.contains(scalar)
        }
    }

    /// Parses berth.yml's `basic_auth`: a list of `{path, users: {name: hash}}`.
    static func parseList(_ node: Node, file: String) throws(ConfigFileError) -> [BasicAuthArea] {
        guard case .sequence(let sequence) = node else {
            throw ConfigFileError(file: file, line: node.mark?.line, message: "basic_auth must be a list of "
                + "entries, each with a path and users (see berth init's berth.yml)")
        }
        var areas: [BasicAuthArea] = []
        for item in sequence {
            let entry = try YAMLMapping(node: item, file: file, what: "a basic_auth entry")
            try entry.rejectUnknownKeys(allowed: ["path", "users"], in: "a basic_auth entry")
            guard let (path, pathLine) = try entry.string("path") else {
                throw ConfigFileError(file: file, line: entry.line, message: "a basic_auth entry needs a path, "
                    + "such as /private/ (\"/\" protects the whole site)")
            }
            let prefix: String
            do {
                prefix = try Self.pathPrefix(path)
            } catch {
                throw ConfigFileError(file: file, line: pathLine, message: "basic_auth path: \(error.reason)")
            }
            guard !areas.contains(where: { $0.pathPrefix == prefix }) else {
                throw ConfigFileError(file: file, line: pathLine,
                                      message: "basic_auth names \(ConfigValue.quoted(path)) twice; list its users once")
            }
            guard let usersEntry = entry.entries.first(where: { $0.key == "users" }) else {
                throw ConfigFileError(file: file, line: entry.line, message: "the basic_auth entry for "
                    + "\(ConfigValue.quoted(path)) needs users: a mapping of names to hashes from berth passwd")
            }
            let usersMapping = try YAMLMapping(node: usersEntry.value, file: file, what: "users")
            guard !usersMapping.entries.isEmpty else {
                throw ConfigFileError(file: file, line: usersEntry.line, message: "users of "
                    + "\(ConfigValue.quoted(path)) is empty; give at least one name: hash")
            }
            var users: [User] = []
            for user in usersMapping.entries {
                guard Self.isUserName(user.key) else {
                    throw ConfigFileError(file: file, line: user.line, message: "user name "
                        + "\(ConfigValue.quoted(user.key)) is not valid: use 1 to 64 letters, digits, '.', '_', '-'")
                }
                guard let (hash, line) = try usersMapping.string(user.key) else { continue }
                guard Self.isSHA512CryptHash(hash) else {
                    throw ConfigFileError(file: file, line: line, message: "the password of \(user.key) must be a "
                        + "SHA-512 crypt hash ($6$…), never the password itself: make one with "
                        + "`berth passwd` (it reads the password on standard input) and quote it in berth.yml")
                }
                users.append(User(name: user.key, hash: hash))
            }
            areas.append(BasicAuthArea(pathPrefix: prefix, users: users))
        }
        return areas
    }

    /// `/`, or `/` and literal segments; a trailing `/` is dropped, as `/private` and `/private/` protect the same
    /// paths (see `regularExpression`).
    static func pathPrefix(_ text: String) throws(RuleTextError) -> String {
        guard text.hasPrefix("/"), text.utf8.count <= 1024 else {
            throw RuleTextError("\(ConfigValue.quoted(text)) must be a path starting with /, such as /private/")
        }
        let segments = text.split(separator: "/")
        for segment in segments {
            try SitePathPattern.checkLiteral(String(segment), in: text)
        }
        guard !text.contains("//") else {
            throw RuleTextError("\(ConfigValue.quoted(text)) has an empty segment ('//')")
        }
        return segments.isEmpty ? "/" : "/" + segments.joined(separator: "/")
    }

    /// Matches the prefix's path and everything below it (`/private` and `/private/…`, not `/privateer`).
    var regularExpression: String {
        pathPrefix == "/" ? "^/" : "^" + pathPrefix.replacingOccurrences(of: ".", with: "\\.") + "(?:/|$)"
    }

    /// The htpasswd file's text: `name:hash` lines.
    var htpasswd: String {
        users.map { "\($0.name):\($0.hash)\n" }.joined()
    }
}
