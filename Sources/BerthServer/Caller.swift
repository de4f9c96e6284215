import BerthCore
import Foundation

/// Who a request acts as, decided from its token alone: the user, the token, and what the token allows.
struct Caller: Sendable {
    let user: String
    let admin: Bool
    let token: TokenRecord
    /// The client's address, for the audit log.
    let source: String?

    /// Refuses a request the token's scope or site binding does not allow.
    func require(_ scope: TokenScope, site: String? = nil) throws(BerthProblem) {
        guard token.scope >= scope else {
            throw BerthProblem(.forbidden, "this token has the scope \(token.scope.rawValue); this needs \(scope.rawValue)"
                + " (ask an admin for a token with it)")
        }
        if scope == .admin, !admin {
            throw BerthProblem(.forbidden, "\(user) is not an admin")
        }
        if let bound = token.site {
            guard let site else {
                throw BerthProblem(.forbidden, "this token may act only on the site \(bound)")
            }
            guard site == bound else {
                throw BerthProblem(.forbidden, "this token may act only on the site \(bound), not \(site)")
            }
        }
    }
}

/// Finds the caller of a request from its `Authorization: Bearer` token. Unknown, malformed, revoked and expired
/// tokens are all refused at once, each saying which.
struct Authenticator: Sendable {
    let store: Store

    func caller(authorization: String?, source: String?, now: Date = Date()) async throws -> Caller {
        guard let authorization, authorization.hasPrefix("Bearer ") else {
            throw BerthProblem(.unauthenticated, "no token: send 'Authorization: Bearer TOKEN' (`berth login URL` stores one)")
        }
        let text = String(authorization.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let token = AccessToken(parsing: text), let (record, hash) = try await store.token(id: token.id),
              token.matches(storedHash: hash)
        else {
            throw BerthProblem(.unauthenticated, "the token is not valid: ask an admin for a new one")
        }
        if record.revoked != nil {
            throw BerthProblem(.unauthenticated, "the token \(record.id) was revoked: ask an admin for a new one")
        }
        if let expires = record.expires, expires <= now {
            throw BerthProblem(.unauthenticated, "the token \(record.id) expired at \(expires.formatted(.iso8601)): ask an admin for a new one")
        }
        guard let user = try await store.user(record.user) else {
            throw BerthProblem(.unauthenticated, "the token's user \(record.user) no longer exists")
        }
        try await store.touchToken(id: record.id)
        return Caller(user: user.name, admin: user.admin, token: record, source: source)
    }
}
