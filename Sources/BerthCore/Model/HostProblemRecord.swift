/// A host that could not be asked, in a listing of sites: `{"host", "error"}`.
public struct HostProblemRecord: Sendable, Codable, Equatable {
    public var host: String
    public var error: String

    public init(host: String, error: String) {
        self.host = host
        self.error = error
    }
}
