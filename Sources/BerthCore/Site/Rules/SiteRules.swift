/// What a site asks of its server beyond serving its files: `_redirects`, `_headers` and berth.yml's
/// `basic_auth`, each already parsed into values berth has checked. Only nginx honours them.
public struct SiteRules: Sendable, Equatable {
    public var redirects: RedirectsFile
    public var headers: HeadersFile
    public var basicAuth: [BasicAuthArea]
    /// berth.yml's `clean_urls`: `/about` serves `about.html`, and `/about.html` redirects to `/about`.
    public var cleanURLs: Bool
    /// berth.yml's `precompress`: text files get a gzip copy in the image, served to clients that accept it.
    public var precompress: Bool

    public init(redirects: RedirectsFile = RedirectsFile(), headers: HeadersFile = HeadersFile(),
                basicAuth: [BasicAuthArea] = [], cleanURLs: Bool = false, precompress: Bool = false) {
        self.redirects = redirects
        self.headers = headers
        self.basicAuth = basicAuth
        self.cleanURLs = cleanURLs
        self.precompress = precompress
    }

    /// What the site uses that only nginx serves, by the name a person would look for ("_redirects", …).
    public var nginxOnlyFeatures: [String] {
        var used: [String] = []
        if !redirects.rules.isEmpty { used.append(RedirectsFile.fileName) }
        if !headers.rules.isEmpty { used.append(HeadersFile.fileName) }
        if !basicAuth.isEmpty { used.append("basic_auth in berth.yml") }
        if cleanURLs { used.append("clean_urls in berth.yml") }
        if precompress { used.append("precompress in berth.yml") }
        return used
    }

    /// The htpasswd file of each protected area, named as the nginx configuration refers to it.
    public var htpasswdFiles: [ContextFile] {
        basicAuth.enumerated().map { index, area in
            ContextFile(name: Self.htpasswdName(index), contents: area.htpasswd)
        }
    }

    static func htpasswdName(_ index: Int) -> String { "htpasswd-\(index + 1)" }
}
