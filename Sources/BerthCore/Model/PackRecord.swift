/// What `berth pack --json` prints: the tar's digest and size, and where it went (`-` for standard output).
public struct PackRecord: Sendable, Codable, Equatable {
    public var digest: String
    public var bytes: Int64
    public var output: String

    public init(digest: String, bytes: Int64, output: String) {
        self.digest = digest
        self.bytes = bytes
        self.output = output
    }
}
