import BerthCore
import Foundation
import Hummingbird

/// `/v1/me`, and with an admin token: users, their quotas and domains, tokens, and the audit log.
extension SiteServer {
    func addAdminRoutes(to table: inout RouteTable) {
        table.add(.get, "/v1/me") { request, context in
            let caller = try await caller(request, context)
            return try ProblemResponse.json(SignedIn(user: caller.user, admin: caller.admin, token: caller.token))
        }
        table.add(.get, "/v1/users") { request, context in
            try await admin(request, context)
            var users: [UserRecord] = []
            for var user in try await store.users() {
                user.quotas = config.quotas.overridden(by: user.quotaOverrides)
                user.hosts = try await store.pinnedHosts(user: user.name)
                users.append(user)
            }
            return try ProblemResponse.json(users)
        }
        table.add(.post, "/v1/users") { request, context in
            let caller = try await admin(request, context)
            let new = try await request.decode(as: NewUser.self, context: context)
            try SiteName.check(new.name, as: .user)
            try await audited(caller, "user add", detail: new.name) {
                try await store.addUser(new.name, admin: new.admin)
            }
            return try ProblemResponse.json(try await store.user(new.name), status: .created)
        }
        table.add(.delete, "/v1/users/{user}") { request, context in
            let caller = try await admin(request, context)
            let name = try context.parameters.require("user")
            try await audited(caller, "user rm", detail: name) {
                let sites = try await operations.sites(user: name).sites.map(\.site)
                guard sites.isEmpty else {
                    throw BerthProblem(.conflict, "\(name) still has sites (\(sites.joined(separator: ", "))); "
                        + "remove them first")
                }
                try await store.removeUser(name)
            }
            return Response(status: .noContent)
        }
        table.add(.put, "/v1/users/{user}/quota") { request, context in
            let caller = try await admin(request, context)
            let name = try context.parameters.require("user")
            let change = try await request.decode(as: QuotaChange.self, context: context)
            let unknown = change.reset.filter { key in !Quotas.keys.contains { $0.name == key } }
            guard unknown.isEmpty else {
                throw BerthProblem(.usage, "unknown quota \(unknown.joined(separator: ", ")); known: "
                    + Quotas.keys.map(\.name).joined(separator: ", "))
            }
            if let negative = Quotas.keys.first(where: { (change.set[keyPath: $0.path] ?? 0) < 0 }) {
                throw BerthProblem(.usage, "quota \(negative.name) cannot be negative: give 0 or more")
            }
            try await audited(caller, "user quota", detail: name) {
                try await store.setQuotas(name, change.set, clear: change.reset)
            }
            guard var user = try await store.user(name) else { throw BerthProblem(.notFound, "no user \(name)") }
            user.quotas = config.quotas.overridden(by: user.quotaOverrides)
            return try ProblemResponse.json(user)
        }
        table.add(.put, "/v1/users/{user}/hosts") { request, context in
            let caller = try await admin(request, context)
            let name = try context.parameters.require("user")
            let pin = try await request.decode(as: PinnedHosts.self, context: context)
            guard try await store.user(name) != nil else { throw BerthProblem(.notFound, "no user \(name)") }
            let known = operations.inventory.hosts.map(\.name)
            let unknown = pin.hosts.filter { !known.contains($0) }
            guard unknown.isEmpty else {
                // Well-formed, but not in the server's inventory: the request conflicts with how the server is set up.
                throw BerthProblem(.conflict, "the server has no host \(unknown.joined(separator: ", ")); its hosts are "
                    + known.joined(separator: ", "))
            }
            try await audited(caller, "user hosts", detail: "\(name) \(pin.hosts.sorted().joined(separator: " "))") {
                try await store.setPinnedHosts(pin.hosts, user: name)
            }
            guard var user = try await store.user(name) else { throw BerthProblem(.notFound, "no user \(name)") }
            user.quotas = config.quotas.overridden(by: user.quotaOverrides)
            user.hosts = try await store.pinnedHosts(user: name)
            return try ProblemResponse.json(user)
        }
        table.add(.post, "/v1/users/{user}/domains/{domain}") { request, context in
            let caller = try await admin(request, context)
            let name = try context.parameters.require("user")
            let text = try context.parameters.require("domain")
            let domain: String
            do {
                domain = try EdgeHostname(parsing: text).name
            } catch {
                throw BerthProblem(.usage, "\(error)")
            }
            try await audited(caller, "domain allow", detail: "\(name) \(domain)") {
                try await store.allowDomain(domain, user: name)
            }
            return try ProblemResponse.json(try await store.domains(user: name))
        }
        table.add(.get, "/v1/tokens") { request, context in
            try await admin(request, context)
            return try ProblemResponse.json(try await store.tokens(user: QueryValues(request).string("user")))
        }
        table.add(.post, "/v1/tokens") { request, context in
            let caller = try await admin(request, context)
            let new = try await request.decode(as: NewToken.self, context: context)
            let created = try await audited(caller, "token create", site: new.site, detail: "\(new.user) \(new.scope.rawValue)") {
                try await createToken(new)
            }
            return try ProblemResponse.json(created, status: .created)
        }
        table.add(.delete, "/v1/tokens/{id}") { request, context in
            let caller = try await admin(request, context)
            let id = try context.parameters.require("id")
            let revoked = try await audited(caller, "token revoke", detail: id) {
                try await store.revokeToken(id: id)
            }
            return try ProblemResponse.json(revoked)
        }
        table.add(.get, "/v1/audit") { request, context in
            try await admin(request, context)
            let query = QueryValues(request)
            let since = try query.string("since").map { text throws(BerthProblem) in
                guard let date = try? Date(text, strategy: .iso8601) else {
                    throw BerthProblem(.usage, "since '\(text)' is not a time such as 2026-11-29T20:00:00Z")
                }
                return date
            }
            return try ProblemResponse.json(try await store.auditEntries(user: query.string("user"), since: since))
        }
    }

    @discardableResult
    func admin(_ request: Request, _ context: ServerRequestContext) async throws -> Caller {
        let caller = try await caller(request, context)
        try caller.require(.admin)
        return caller
    }

    func createToken(_ new: NewToken) async throws -> CreatedToken {
        guard let user = try await store.user(new.user) else { throw BerthProblem(.notFound, "no user \(new.user)") }
        if new.scope == .admin, !user.admin {
            throw BerthProblem(.usage, "\(new.user) is not an admin, so cannot have an admin token")
        }
        if let site = new.site { try SiteName.check(site, as: .site) }
        if let seconds = new.expiresInSeconds, seconds <= 0 {
            throw BerthProblem(.usage, "expiresInSeconds must be more than 0")
        }
        let token = AccessToken.generate()
        let now = Date()
        let record = TokenRecord(id: token.id, user: new.user, scope: new.scope, site: new.site,
                                 expires: new.expiresInSeconds.map { now.addingTimeInterval(Double($0)) }, created: now)
        try await store.addToken(record, hash: token.hash)
        return CreatedToken(record, token: token.text)
    }
}
