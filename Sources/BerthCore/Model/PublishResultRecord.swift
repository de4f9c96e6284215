/// The JSON line that ends a publish or rollback that worked: `"event": "result"` and the result's own fields.
public struct PublishResultRecord: Sendable, Encodable {
    public var result: PublishResult
    /// The site directory, when several sites are published at once.
    public var sitePath: String?

    public init(_ result: PublishResult, sitePath: String? = nil) {
        self.result = result
        self.sitePath = sitePath
    }

    private enum CodingKeys: String, CodingKey { case event, sitePath }

    public func encode(to encoder: Encoder) throws {
        try result.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("result", forKey: .event)
        try container.encodeIfPresent(sitePath, forKey: .sitePath)
    }
}
