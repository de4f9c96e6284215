/// A remote publish's first question, before any file is sent: does the site already serve this upload (its
/// digest) with these settings? `POST /v1/sites/{site}/publish/check`.
public struct RemotePublishCheck: Sendable, Codable, Equatable {
    public var digest: String
    public var memory: Int64?
    public var server: ServerKind?
    /// `--host NAME`: up to date only on that host (`auto` or nil: wherever the site runs).
    public var host: String?

    public init(digest: String, memory: Int64?, server: ServerKind?, host: String? = nil) {
        self.digest = digest
        self.memory = memory
        self.server = server
        self.host = host
    }

    public struct Answer: Sendable, Codable, Equatable {
        public var upToDate: Bool
        public var result: PublishResult?

        public init(upToDate: Bool, result: PublishResult?) {
            self.upToDate = upToDate
            self.result = result
        }
    }
}

extension PublishResult {
    /// The result of a publish that found `status` already serving the content of `digest`: nothing was done.
    public init?(upToDate status: SiteStatus, digest: String, memoryLimit: Int64) {
        guard let url = status.url, let version = status.version else { return nil }
        self.init(host: status.host, user: status.user, site: status.site, containerID: status.containerID,
                  containerName: status.containerName, image: status.image ?? "", digest: digest, version: version,
                  url: url, memoryLimit: status.memoryLimit ?? memoryLimit, upToDate: true, stageSeconds: [:])
    }
}
