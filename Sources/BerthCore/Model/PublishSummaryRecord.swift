/// The JSON line that ends a publish of several sites: `"event": "summary"`, every site's outcome, and how many
/// failed.
public struct PublishSummaryRecord: Sendable, Codable, Equatable {
    public struct Site: Sendable, Codable, Equatable {
        public var sitePath: String
        public var ok: Bool
        public var host: String?
        public var url: String?
        public var upToDate: Bool?
        public var error: String?

        public static func published(_ sitePath: String, _ result: PublishResult) -> Site {
            Site(sitePath: sitePath, ok: true, host: result.host, url: result.url, upToDate: result.upToDate)
        }

        public static func failed(_ sitePath: String, error: String) -> Site {
            Site(sitePath: sitePath, ok: false, error: error)
        }
    }

    public var event = "summary"
    public var sites: [Site]
    public var failed: Int

    public init(sites: [Site]) {
        self.sites = sites
        failed = sites.filter { !$0.ok }.count
    }
}
