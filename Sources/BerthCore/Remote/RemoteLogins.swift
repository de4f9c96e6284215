import Foundation

/// The servers `berth login` signed in to, each under a name (`--remote NAME`), and the one commands use when
/// none is named: the last one logged in to.
public struct RemoteLogins: Sendable, Codable, Equatable {
    public var remotes: [String: RemoteEndpoint] = [:]
    public var defaultName: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case remotes
        case defaultName = "default"
    }

    public var defaultRemote: RemoteEndpoint? { defaultName.flatMap { remotes[$0] } }

    public var names: [String] { remotes.keys.sorted() }

    /// `--remote NAME`: an unknown name is a usage error naming the known ones.
    public func remote(named name: String) throws(BerthProblem) -> RemoteEndpoint {
        if let remote = remotes[name] { return remote }
        let known = names.isEmpty ? "none is stored" : "the known ones are " + names.joined(separator: ", ")
        throw BerthProblem(.usage, "no remote named '\(name)': \(known) (`berth login URL --name NAME` adds one, "
            + "and --remote also takes a URL)")
    }

    /// Stores `remote` under `name` (replacing a login of that name) and makes it the default.
    public mutating func add(_ remote: RemoteEndpoint, name: String) {
        remotes[name] = remote
        defaultName = name
    }

    /// Forgets `name`; when it was the default and one login is left, that one becomes the default.
    public mutating func remove(_ name: String) throws(BerthProblem) {
        _ = try remote(named: name)
        remotes[name] = nil
        if defaultName == name { defaultName = remotes.count == 1 ? remotes.keys.first : nil }
    }

    /// A remote's name: letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 63.
    public static func check(name: String) throws(BerthProblem) {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._-"))
        guard let first = name.unicodeScalars.first, name.utf8.count <= 63,
              first.isASCII, CharacterSet.alphanumerics.contains(first),
              name.unicodeScalars.allSatisfy({ $0.isASCII && allowed.contains($0) })
        else {
            throw BerthProblem(.usage, "'\(name)' is not a remote name: use letters, digits, '.', '_' and '-' "
                + "(starting with a letter or digit), at most 63, e.g. prod")
        }
    }

    /// The name a login gets without `--name`: the server's host name.
    public static func defaultName(for url: String) -> String {
        let host = URLComponents(string: url)?.host ?? ""
        return (try? check(name: host)).map { host } ?? "default"
    }
}
