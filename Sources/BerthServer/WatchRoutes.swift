import BerthCore
import Foundation
import Hummingbird

/// `GET /v1/logs` and `GET /v1/stats`: `berth logs` and `berth stats` for the signed-in user's sites, on every
/// host of the server, answered as JSON lines while they run. A `read` token suffices; a token bound to a site
/// watches that site only. Another user's site is not found, exactly as a missing one.
extension SiteServer {
    func addWatchRoutes(to table: inout RouteTable) {
        table.add(.get, "/v1/logs") { request, context in
            let (caller, watch) = try await watchRequest(request, context)
            let query = QueryValues(request)
            let tail = try query.number("tail", in: 0...Int64(Int32.max)).map { Int($0) }
            let since = try query.string("since").map { text throws(BerthProblem) in
                do {
                    return try LogSince(parsing: text)
                } catch {
                    throw BerthProblem(.usage, "\(error)")
                }
            }
            let options = SiteLogOptions(tail: tail, since: since, follow: try query.flag("follow"))
            let operations = operations
            return try await WatchStream.response(following: options.follow, logger: logger,
                                                  what: "the logs of \(caller.user)'s sites") { handle in
                try await operations.logs(watch, options: options, handle)
            }
        }
        table.add(.get, "/v1/stats") { request, context in
            let (caller, watch) = try await watchRequest(request, context)
            let follow = try QueryValues(request).flag("follow")
            let operations = operations
            return try await WatchStream.response(following: follow, logger: logger,
                                                  what: "the stats of \(caller.user)'s sites") { handle in
                try await operations.stats(watch, follow: follow, handle)
            }
        }
    }

    /// The caller and what to watch: `sites` (comma-separated names), else every site of the caller's, or the
    /// one site the token is bound to.
    func watchRequest(_ request: Request, _ context: ServerRequestContext) async throws
        -> (Caller, SiteWatchRequest)
    {
        let caller = try await caller(request, context)
        var names: [String] = []
        if let text = QueryValues(request).string("sites") {
            names = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            for name in names { try SiteName.check(name, as: .site) }
        }
        if names.isEmpty, let bound = caller.token.site { names = [bound] }
        if names.isEmpty { try caller.require(.read) }
        for name in names { try caller.require(.read, site: name) }
        return (caller, SiteWatchRequest(siteNames: names, user: caller.user, allHosts: true))
    }
}
