/// One kept version as `berth versions --json` prints it: whose site, on which host, and the version's own fields.
public struct SiteVersionRecord: Sendable, Encodable {
    public var host: String
    public var user: String
    public var site: String
    public var version: SiteVersion

    public init(host: String, identity: SiteIdentity, version: SiteVersion) {
        self.host = host
        user = identity.user
        site = identity.site
        self.version = version
    }

    private enum CodingKeys: String, CodingKey { case host, user, site }

    public func encode(to encoder: Encoder) throws {
        try version.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(host, forKey: .host)
        try container.encode(user, forKey: .user)
        try container.encode(site, forKey: .site)
    }
}
