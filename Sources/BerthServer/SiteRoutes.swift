import BerthCore
import Foundation
import Hummingbird

/// `/v1/sites…`: the site operations, each for the signed-in user only. Another user's site is never found:
/// every lookup is by the caller's user, so its answer is the same whether the other user's site exists or not.
extension SiteServer {
    func addSiteRoutes(to table: inout RouteTable) {
        table.add(.get, "/v1/sites") { request, context in
            let caller = try await caller(request, context)
            try caller.require(.read, site: caller.token.site)
            var listing = try await operations.sites(user: caller.user)
            if let bound = caller.token.site { listing.sites = listing.sites.filter { $0.site == bound } }
            listing.problems = EngineFaultForClients.forClients(listing.problems,
                                                                doing: "listing \(caller.user)'s sites", logger: logger)
            return try ProblemResponse.json(listing)
        }
        table.add(.get, "/v1/sites/{site}/versions") { request, context in
            let (caller, site) = try await authorized(request, context, .read)
            return try ProblemResponse.json(try await operations.versions(site: site, user: caller.user))
        }
        table.add(.post, "/v1/sites/{site}/stop") { request, context in
            let (caller, site) = try await authorized(request, context, .deploy)
            let lockWait = try QueryValues(request).seconds("lock-wait", default: 120, max: 3600)
            let result = try await gated(caller, site, lockWait: lockWait) {
                try await audited(caller, "stop", site: site) {
                    try await operations.stop(site: site, user: caller.user, lockWait: lockWait)
                }
            }
            return try ProblemResponse.json(result)
        }
        table.add(.post, "/v1/sites/{site}/start") { request, context in
            let (caller, site) = try await authorized(request, context, .deploy)
            let query = QueryValues(request)
            let lockWait = try query.seconds("lock-wait", default: 120, max: 3600)
            let checkTimeout = try query.seconds("check-timeout", default: 30, max: 600)
            let result = try await gated(caller, site, lockWait: lockWait) {
                try await audited(caller, "start", site: site) {
                    try await operations.start(site: site, user: caller.user, checkTimeout: checkTimeout,
                                               lockWait: lockWait)
                }
            }
            return try ProblemResponse.json(result)
        }
        table.add(.delete, "/v1/sites/{site}") { request, context in
            let (caller, site) = try await authorized(request, context, .deploy)
            let query = QueryValues(request)
            let lockWait = try query.seconds("lock-wait", default: 120, max: 3600)
            let (images, registry) = (try query.flag("images"), try query.flag("registry"))
            let result = try await gated(caller, site, lockWait: lockWait) {
                try await audited(caller, "rm", site: site) {
                    try await operations.remove(site: site, user: caller.user, images: images, registry: registry,
                                                lockWait: lockWait)
                }
            }
            return try ProblemResponse.json(result)
        }
        table.add(.post, "/v1/sites/{site}/rollback") { request, context in
            let (caller, site) = try await authorized(request, context, .deploy)
            let query = QueryValues(request)
            let lockWait = try query.seconds("lock-wait", default: 120, max: 3600)
            let checkTimeout = try query.seconds("check-timeout", default: 30, max: 600)
            let version = try query.string("to").map { text throws(BerthProblem) in
                guard VersionTag.isValid(text) else { throw BerthProblem(.usage, "to '\(text)' is not a version berth makes") }
                return text
            }
            // Answered before the stream starts, so that another user's site (or none) is a plain 404.
            _ = try await operations.versions(site: site, user: caller.user)
            let key = try await enter(caller, site, lockWait: lockWait)
            return ProgressStream.response(operation: { events in
                try await operations.rollback(site: site, user: caller.user, to: version, checkTimeout: checkTimeout,
                                              lockWait: lockWait, events: events)
            }, finished: { result in
                await audit(caller, "rollback", site: site, digest: try? result.get().digest,
                            outcome: result.map { _ in () })
                await gate.release(key)
            })
        }
        addPublishRoutes(to: &table)
    }

    /// The caller and the `{site}`, refused unless the token's scope and site binding allow `scope` on it.
    func authorized(_ request: Request, _ context: ServerRequestContext, _ scope: TokenScope) async throws
        -> (Caller, String)
    {
        let caller = try await caller(request, context)
        let site = try context.site()
        try caller.require(scope, site: site)
        return (caller, site)
    }

    /// Takes the site's place in this server's queue, or refuses with 423 once `lockWait` has passed.
    func enter(_ caller: Caller, _ site: String, lockWait: Duration) async throws -> String {
        let key = "\(caller.user)/\(site)"
        guard await gate.acquire(key, wait: lockWait) else {
            let problem = BerthProblem(.lockBusy, "\(caller.user)/\(site) is busy with another publish, rollback or rm "
                + "through this server (waited \(lockWait.components.seconds) s); try again later")
            await audit(caller, "lock", site: site, outcome: .failure(problem))
            throw RetryLater(problem: problem, seconds: 10)
        }
        return key
    }

    func gated<T>(_ caller: Caller, _ site: String, lockWait: Duration, _ body: () async throws -> T) async throws -> T {
        let key = try await enter(caller, site, lockWait: lockWait)
        do {
            let value = try await body()
            await gate.release(key)
            return value
        } catch {
            await gate.release(key)
            throw error
        }
    }
}

/// The version tags berth makes and `--tag` accepts: letters, digits, `_ . -`, not starting with `.` or `-`.
enum VersionTag {
    static func isValid(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.utf8.count <= 128, first != ".", first != "-" else {
            return false
        }
        return text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_.-".unicodeScalars.contains($0)) }
    }
}
