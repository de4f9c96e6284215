/// A failure as the API reports it: an RFC 9457 problem details object (`application/problem+json`) whose
/// `detail` is the message the CLI prints, with a stable `code` that the client maps back to an exit status.
/// Quota breaches also name the quota, its limit and the current use.
public struct BerthProblem: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var code: Code
    public var quota: String?
    public var limit: Int64?
    public var use: Int64?

    /// One code per kind of failure; each has one HTTP status and one exit status.
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// A value in the request was wrong (the CLI's usage error, exit 64).
        case usage
        case unauthenticated
        case forbidden
        /// No such site, user or token for this caller (whether another user has one is never said).
        case notFound = "not-found"
        /// The path exists, but not with this method (`Allow` names those it has).
        case methodNotAllowed = "method-not-allowed"
        case quotaExceeded = "quota-exceeded"
        case rateLimited = "rate-limited"
        case uploadRefused = "upload-refused"
        case uploadTimeout = "upload-timeout"
        /// The site's deploy lock is held (exit 75).
        case lockBusy = "lock-busy"
        case conflict
        /// The user's site did not build or serve (a build step failed, the check found no 200): its own failure,
        /// not the server's (HTTP 422; exit 1, as locally).
        case siteFailed = "site-failed"
        /// A Docker engine behind the server could not be reached (HTTP 502; exit 1).
        case engineUnreachable = "engine-unreachable"
        /// The server could not do it; the message says why (HTTP 500).
        case failed

        public var httpStatus: Int {
            switch self {
            case .usage, .uploadRefused: 400
            case .unauthenticated: 401
            case .forbidden, .quotaExceeded: 403
            case .notFound: 404
            case .methodNotAllowed: 405
            case .uploadTimeout: 408
            case .conflict: 409
            case .lockBusy: 423
            case .rateLimited: 429
            case .siteFailed: 422
            case .engineUnreachable: 502
            case .failed: 500
            }
        }

        var title: String {
            switch self {
            case .usage: "The request is not valid"
            case .unauthenticated: "No valid token"
            case .forbidden: "Not allowed with this token"
            case .notFound: "Not found"
            case .methodNotAllowed: "Method not allowed"
            case .quotaExceeded: "Quota exceeded"
            case .rateLimited: "Too many publishes"
            case .uploadRefused: "Upload refused"
            case .uploadTimeout: "Upload timed out"
            case .lockBusy: "The site is busy"
            case .conflict: "Conflict"
            case .siteFailed: "The site did not build or serve"
            case .engineUnreachable: "A Docker engine could not be reached"
            case .failed: "The operation failed"
            }
        }
    }

    public init(_ code: Code, _ detail: String, quota: String? = nil, limit: Int64? = nil, use: Int64? = nil) {
        self.type = "https://berth.dev/problems/" + code.rawValue
        self.title = code.title
        self.status = code.httpStatus
        self.detail = detail
        self.code = code
        self.quota = quota
        self.limit = limit
        self.use = use
    }

    public var description: String { detail }
}
