import BerthCore
import Foundation
import Hummingbird
import Logging

/// `berth serve`'s state and what every route needs: the store, who is calling, their quotas, and the local
/// operations it runs for them.
struct SiteServer: Sendable {
    let config: ServeConfig
    let store: Store
    /// The engines, as the server's own inventory reaches them; every call names the signed-in user.
    let operations: LocalSiteOperations
    let gate = SiteGate()
    let logger: Logger

    init(config: ServeConfig, store: Store, inventory: Inventory, environment: [String: String], logger: Logger) {
        self.config = config
        self.store = store
        let environment = config.publishEnvironment(environment)
        operations = LocalSiteOperations(inventory: inventory, hostName: nil, environment: environment)
        self.logger = logger
    }

    func caller(_ request: Request, _ context: ServerRequestContext) async throws -> Caller {
        try await Authenticator(store: store).caller(authorization: request.headers[.authorization],
                                                     source: context.source)
    }

    func quotas(of user: String) async throws -> Quotas {
        config.quotas.overridden(by: try await store.user(user)?.quotaOverrides ?? Quotas())
    }

    /// Records a call that changes something, however it ended.
    func audit(_ caller: Caller, _ action: String, site: String? = nil, digest: String? = nil,
               outcome: Result<Void, any Error>, detail: String? = nil) async {
        let result: String
        switch outcome {
        case .success: result = "ok"
        case .failure(let error): result = ProblemResponse.problem(for: error).code.rawValue
        }
        var text = detail
        if case .failure(let error) = outcome { text = ProblemResponse.problem(for: error).detail }
        do {
            try await store.audit(AuditEntry(user: caller.user, token: caller.token.id, action: action, site: site,
                                             digest: digest, source: caller.source, result: result, detail: text))
        } catch {
            logger.error("cannot write the audit log: \(error)")
        }
    }

    /// Runs a change and audits it.
    func audited<T>(_ caller: Caller, _ action: String, site: String? = nil, detail: String? = nil,
                    _ body: () async throws -> T) async throws -> T {
        do {
            let value = try await body()
            await audit(caller, action, site: site, outcome: .success(()), detail: detail)
            return value
        } catch {
            await audit(caller, action, site: site, outcome: .failure(error))
            throw error
        }
    }
}

/// Query parameters, each accepted only as what it means.
struct QueryValues {
    let parameters: Hummingbird.Parameters

    init(_ request: Request) {
        parameters = request.uri.queryParameters
    }

    func string(_ name: String) -> String? { parameters[Substring(name)].map(String.init) }

    func number(_ name: String, in range: ClosedRange<Int64>) throws(BerthProblem) -> Int64? {
        guard let text = string(name) else { return nil }
        guard let value = Int64(text), range.contains(value) else {
            throw BerthProblem(.usage, "\(name) '\(text)' is not valid: give a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func flag(_ name: String) throws(BerthProblem) -> Bool {
        switch string(name) {
        case nil, "false": return false
        case "true": return true
        case let text?: throw BerthProblem(.usage, "\(name) '\(text)' is not valid: give true or false")
        }
    }

    func seconds(_ name: String, default value: Int64, max: Int64) throws(BerthProblem) -> Duration {
        .seconds(try number(name, in: 0...max) ?? value)
    }
}

extension ServerRequestContext {
    /// The `{site}` of the path, checked as a site name.
    func site() throws -> String {
        let site = try parameters.require("site")
        try SiteName.check(site, as: .site)
        return site
    }
}
