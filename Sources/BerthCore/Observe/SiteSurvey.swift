/// A fresh look at the hosts while following: the selected sites' containers as they are now, and the sites whose
/// deploy lock is held (a publish, rollback or rm is under way, so their container may be about to change).
struct SiteSurvey: Sendable {
    /// When the survey began: it says nothing about what happened after.
    var startedAt: ContinuousClock.Instant
    var sites: [LocatedSite]
    /// The hosts that answered: a site missing from a host that did not answer is not gone.
    var hostsAnswered: Set<String>
    var locked: Set<SiteKey>

    init(startedAt: ContinuousClock.Instant = .now, sites: [LocatedSite], hostsAnswered: Set<String>,
         locked: Set<SiteKey> = []) {
        self.startedAt = startedAt
        self.sites = sites
        self.hostsAnswered = hostsAnswered
        self.locked = locked
    }
}

extension SiteSelection {
    /// Surveys the selected sites, for a follow that keeps looking. Unlike `locate`, nothing here is an error: a
    /// named site that is gone, or a host that does not answer, is simply not in the survey. With `identities`,
    /// only those sites are kept: a site named without `--user` stays the user's it was found to be.
    func survey(engines: [(DockerHost, DockerEngine)], identities: Set<SiteIdentity>? = nil) async -> SiteSurvey {
        let startedAt = ContinuousClock.now
        let user = self.user
        let answers = await search(engines) { host, engine in
            let containers = try await SiteLocator(host: host, engine: engine).containers(user: user)
            let locks = try await engine.listContainers(all: true, labelFilters: [DeployLock.forLabel])
            let locked = locks.compactMap { $0.labels?[DeployLock.forLabel] }.compactMap(SiteIdentity.init(lockedAs:))
            return (containers.map { LocatedSite(container: $0, engine: engine) }, locked)
        }
        var survey = SiteSurvey(startedAt: startedAt, sites: [], hostsAnswered: [])
        for ((host, _), answer) in zip(engines, answers) {
            guard case .success(let (sites, locked)) = answer else { continue }
            survey.hostsAnswered.insert(host.name)
            survey.sites += sites.filter { site in
                (siteNames.isEmpty || siteNames.contains(site.identity.site))
                    && (identities?.contains(site.identity) ?? true)
            }
            survey.locked.formUnion(locked.map { SiteKey(host: host.name, identity: $0) })
        }
        return survey
    }
}

extension SiteIdentity {
    /// The identity a deploy lock names (`DeployLock.forLabel`: `user/site`).
    fileprivate init?(lockedAs label: String) {
        let parts = label.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        self.init(user: String(parts[0]), site: String(parts[1]))
    }
}
