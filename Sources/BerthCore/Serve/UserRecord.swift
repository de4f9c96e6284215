import Foundation

/// A user of a `berth serve`, as `berth admin user list --json` prints it and the API sends it.
public struct UserRecord: Sendable, Codable, Equatable {
    public var name: String
    public var admin: Bool
    public var created: Date
    /// The quotas set for this user; nil ones take the config's defaults.
    public var quotaOverrides: Quotas
    /// The quotas in force (defaults and overrides), filled in by the server.
    public var quotas: Quotas?
    /// The server's hosts this user's sites are placed on (`berth admin user pin`); every host when empty or nil.
    public var hosts: [String]?

    public init(name: String, admin: Bool, created: Date, quotaOverrides: Quotas, quotas: Quotas? = nil) {
        self.name = name
        self.admin = admin
        self.created = created
        self.quotaOverrides = quotaOverrides
        self.quotas = quotas
    }
}

/// `POST /v1/users`.
public struct NewUser: Sendable, Codable, Equatable {
    public var name: String
    public var admin: Bool

    public init(name: String, admin: Bool) {
        self.name = name
        self.admin = admin
    }
}

/// `PUT /v1/users/{name}/quota`: quotas to set (nil leaves one as it is) and quotas to reset to the default.
public struct QuotaChange: Sendable, Codable, Equatable {
    public var set: Quotas
    public var reset: [String]

    public init(set: Quotas, reset: [String]) {
        self.set = set
        self.reset = reset
    }
}

/// `PUT /v1/users/{name}/hosts`: the hosts to pin the user to; none unpins them.
public struct PinnedHosts: Sendable, Codable, Equatable {
    public var hosts: [String]

    public init(hosts: [String]) {
        self.hosts = hosts
    }
}
