/// What one user may use on a `berth serve`: the config's defaults, overridden per user. nil is no limit.
public struct Quotas: Sendable, Codable, Equatable {
    public var sites: Int64?
    /// Memory limits of all the user's sites together, in bytes.
    public var memory: Int64?
    /// One site's memory limit, in bytes.
    public var siteMemory: Int64?
    /// One upload's size, in bytes.
    public var uploadSize: Int64?
    /// Entries in one upload.
    public var files: Int64?
    /// Versions kept per site.
    public var versions: Int64?
    public var publishesPerHour: Int64?

    public init(sites: Int64? = nil, memory: Int64? = nil, siteMemory: Int64? = nil, uploadSize: Int64? = nil,
                files: Int64? = nil, versions: Int64? = nil, publishesPerHour: Int64? = nil) {
        self.sites = sites
        self.memory = memory
        self.siteMemory = siteMemory
        self.uploadSize = uploadSize
        self.files = files
        self.versions = versions
        self.publishesPerHour = publishesPerHour
    }

    /// The defaults when the config names none.
    public static let standard = Quotas(sites: 10, memory: 1 << 30, siteMemory: 256 << 20, uploadSize: 100 << 20,
                                        files: 20_000, versions: 5, publishesPerHour: 60)

    /// `overrides` where set, else these.
    public func overridden(by overrides: Quotas) -> Quotas {
        Quotas(sites: overrides.sites ?? sites, memory: overrides.memory ?? memory,
               siteMemory: overrides.siteMemory ?? siteMemory, uploadSize: overrides.uploadSize ?? uploadSize,
               files: overrides.files ?? files, versions: overrides.versions ?? versions,
               publishesPerHour: overrides.publishesPerHour ?? publishesPerHour)
    }

    /// The config's and the API's names of the quotas, and which are sizes (`64m`, `1g`) rather than counts.
    public struct Key: Sendable {
        public let name: String
        public let isSize: Bool
        public nonisolated(unsafe) let path: WritableKeyPath<Quotas, Int64?>
    }

    public static let keys: [Key] = [
        Key(name: "sites", isSize: false, path: \.sites), Key(name: "memory", isSize: true, path: \.memory),
        Key(name: "site_memory", isSize: true, path: \.siteMemory),
        Key(name: "upload_size", isSize: true, path: \.uploadSize), Key(name: "files", isSize: false, path: \.files),
        Key(name: "versions", isSize: false, path: \.versions),
        Key(name: "publishes_per_hour", isSize: false, path: \.publishesPerHour),
    ]
}
