/// A site container found on a host, with the engine that reaches that host.
public struct LocatedSite: Sendable {
    public var container: SiteContainer
    public var engine: DockerEngine

    public init(container: SiteContainer, engine: DockerEngine) {
        self.container = container
        self.engine = engine
    }

    public var identity: SiteIdentity { container.identity }
    public var hostName: String { container.host.name }
    var key: SiteKey { SiteKey(host: hostName, identity: identity) }

    /// `user/site`, or `user/site@host` when sites of several hosts are shown together.
    public func label(showingHost: Bool) -> String {
        showingHost ? "\(identity)@\(hostName)" : identity.description
    }
}

/// A site on one host: what stays the same when its container is replaced.
struct SiteKey: Sendable, Hashable {
    var host: String
    var identity: SiteIdentity
}

/// Which sites a command acts on: some by name (or all), of one user (or every user), on some hosts.
public struct SiteSelection: Sendable {
    public var hosts: [DockerHost]
    /// Only this user's sites; every user's when nil.
    public var user: String?
    /// Site names; every site when empty.
    public var siteNames: [String]
    /// Leave out sites whose container is not running (a named one that is not running is an error).
    public var runningOnly: Bool

    public init(hosts: [DockerHost], user: String? = nil, siteNames: [String] = [], runningOnly: Bool = false) {
        self.hosts = hosts
        self.user = user
        self.siteNames = siteNames
        self.runningOnly = runningOnly
    }

    /// Whether the sites shown come from more than one host, so each must say which.
    public var spansHosts: Bool { hosts.count > 1 }

    /// Finds the selected sites on every host at once, ordered by host (in the inventory's order), user and site.
    ///
    /// With one host, a host that cannot be asked is an error. With several, each one that cannot be asked is
    /// handed to `hostFailed` and the others are searched; only when none answers is it an error.
    /// A named site found on no host that answered, or owned by several users of one host when no user was
    /// given, is an error.
    public func locate(
        engine makeEngine: @Sendable (DockerHost) -> DockerEngine = { DockerEngine(endpoint: $0.endpoint) },
        hostFailed: (DockerHost, any Error) -> Void = { _, _ in }
    ) async throws -> [LocatedSite] {
        let user = self.user
        let searches = await search(hosts.map { ($0, makeEngine($0)) }) { host, engine in
            try await SiteLocator(host: host, engine: engine).containers(user: user)
                .map { LocatedSite(container: $0, engine: engine) }
        }

        var everySite: [LocatedSite] = []
        var answered: [DockerHost] = []
        var firstFailure: (any Error)?
        for (host, search) in zip(hosts, searches) {
            switch search {
            case .success(let sites):
                everySite += sites
                answered.append(host)
            case .failure(let error):
                if hosts.count == 1 { throw error }
                firstFailure = firstFailure ?? error
                hostFailed(host, error)
            }
        }
        if answered.isEmpty, let firstFailure { throw firstFailure }

        var selected = everySite
        if !siteNames.isEmpty {
            try checkNamesResolve(in: everySite, hostsAsked: answered)
            selected = everySite.filter { siteNames.contains($0.identity.site) }
        }
        guard runningOnly else { return selected }
        let namedButStopped = siteNames.isEmpty ? [] : selected.filter { !$0.container.isRunning }
        if !namedButStopped.isEmpty {
            throw SiteSelectionError.notRunning(
                namedButStopped.map { "\($0.identity) on \($0.hostName) (\($0.container.summary.state))" })
        }
        return selected.filter(\.container.isRunning)
    }

    /// Asks every host at once; the answers in the order of `hosts`.
    func search<Answer: Sendable>(
        _ hosts: [(DockerHost, DockerEngine)],
        _ ask: @escaping @Sendable (DockerHost, DockerEngine) async throws -> Answer
    ) async -> [Result<Answer, any Error>] {
        await withTaskGroup(of: (Int, Result<Answer, any Error>).self) { group in
            for (index, (host, engine)) in hosts.enumerated() {
                group.addTask {
                    do {
                        return (index, .success(try await ask(host, engine)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results: [(Int, Result<Answer, any Error>)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    private func checkNamesResolve(in sites: [LocatedSite], hostsAsked: [DockerHost]) throws {
        for name in siteNames {
            let matches = sites.filter { $0.identity.site == name }
            if matches.isEmpty {
                throw SiteLookupError.notFound(
                    site: name, user: user, host: hostsAsked.map(\.name).joined(separator: ", "),
                    known: sites.map { $0.label(showingHost: spansHosts) })
            }
            for host in hostsAsked {
                let owners = matches.filter { $0.hostName == host.name }.map(\.identity.user)
                if owners.count > 1 {
                    throw SiteLookupError.ambiguous(site: name, host: host.name, owners: owners)
                }
            }
        }
    }
}

public enum SiteSelectionError: Error, Sendable, Equatable, CustomStringConvertible {
    case notRunning([String])

    public var description: String {
        switch self {
        case .notRunning(let sites):
            "not running: \(sites.joined(separator: ", ")); only a running site has resource use to show"
        }
    }
}
