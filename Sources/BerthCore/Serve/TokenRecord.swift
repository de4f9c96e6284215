import Foundation

/// What a token may do; each scope includes the ones before it.
public enum TokenScope: String, Sendable, Codable, CaseIterable, Comparable {
    /// List sites, versions, logs and stats.
    case read
    /// Also publish, roll back, stop, start and remove sites.
    case deploy
    /// Also manage users, tokens, quotas and read the audit log (only for an admin user).
    case admin

    public static func < (lhs: TokenScope, rhs: TokenScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A token as listed: never its secret, which is shown once when it is created and stored only hashed.
public struct TokenRecord: Sendable, Codable, Equatable {
    public var id: String
    public var user: String
    public var scope: TokenScope
    /// The one site it may act on, if bound.
    public var site: String?
    public var expires: Date?
    public var created: Date
    public var revoked: Date?
    public var lastUsed: Date?

    public init(id: String, user: String, scope: TokenScope, site: String?, expires: Date?, created: Date,
                revoked: Date? = nil, lastUsed: Date? = nil) {
        self.id = id
        self.user = user
        self.scope = scope
        self.site = site
        self.expires = expires
        self.created = created
        self.revoked = revoked
        self.lastUsed = lastUsed
    }
}

/// `POST /v1/tokens`: whose token, what it may do, and until when (seconds from now).
public struct NewToken: Sendable, Codable, Equatable {
    public var user: String
    public var scope: TokenScope
    public var site: String?
    public var expiresInSeconds: Int64?

    public init(user: String, scope: TokenScope, site: String?, expiresInSeconds: Int64?) {
        self.user = user
        self.scope = scope
        self.site = site
        self.expiresInSeconds = expiresInSeconds
    }
}

/// The answer to creating a token: its record and, this once, the token itself.
public struct CreatedToken: Sendable, Codable, Equatable {
    public var id: String
    public var token: String
    public var user: String
    public var scope: TokenScope
    public var site: String?
    public var expires: Date?

    public init(_ record: TokenRecord, token: String) {
        id = record.id
        self.token = token
        user = record.user
        scope = record.scope
        site = record.site
        expires = record.expires
    }
}

/// One line of the audit log: who (user and token), did what, to which site, from where, and how it ended.
public struct AuditEntry: Sendable, Codable, Equatable {
    public var time: Date
    public var user: String?
    public var token: String?
    public var action: String
    public var site: String?
    public var digest: String?
    public var source: String?
    public var result: String
    public var detail: String?

    public init(time: Date = Date(), user: String?, token: String?, action: String, site: String? = nil,
                digest: String? = nil, source: String?, result: String, detail: String? = nil) {
        self.time = time
        self.user = user
        self.token = token
        self.action = action
        self.site = site
        self.digest = digest
        self.source = source
        self.result = result
        self.detail = detail
    }
}

/// `GET /v1/me`: who a token signs in as.
public struct SignedIn: Sendable, Codable, Equatable {
    public var user: String
    public var admin: Bool
    public var token: TokenRecord

    public init(user: String, admin: Bool, token: TokenRecord) {
        self.user = user
        self.admin = admin
        self.token = token
    }
}
