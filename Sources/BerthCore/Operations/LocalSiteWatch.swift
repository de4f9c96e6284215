/// `berth logs` and `berth stats` on the engines: find the sites, say which, then read them.
extension LocalSiteOperations {
    public func logs(_ request: SiteWatchRequest, options: SiteLogOptions,
                     _ handle: (SiteWatchEvent<SiteLogLine>) throws -> Void) async throws {
        let selection = try await selection(for: request, runningOnly: false)
        let sites = try await locate(selection, handle)
        try await SiteLogReader(sites: sites, options: options, selection: selection).read { event in
            try handle(SiteWatchEvent(event))
        }
    }

    public func stats(_ request: SiteWatchRequest, follow: Bool,
                      _ handle: (SiteWatchEvent<SiteStatsSample>) throws -> Void) async throws {
        let selection = try await selection(for: request, runningOnly: true)
        let sites = try await locate(selection, handle)
        guard !sites.isEmpty else { return }
        let reader = SiteStatsReader(sites: sites, selection: follow ? selection : nil)
        if follow {
            try await reader.follow { event in try handle(SiteWatchEvent(event)) }
        } else {
            for event in await reader.sampleOnce() { try handle(SiteWatchEvent(event)) }
        }
    }

    /// The hosts to look on: `--all-hosts`, else `--host` or the only host; named sites without either are
    /// looked for on every host, and each must be on exactly one.
    public func selection(for request: SiteWatchRequest, runningOnly: Bool) async throws -> SiteSelection {
        if hostName == nil, !request.allHosts, !request.siteNames.isEmpty, inventory.hosts.count > 1 {
            let search = SiteHostSearch(hosts: inventory.hosts)
            var found: Set<String> = []
            for name in request.siteNames {
                found.insert(try await search.host(of: name, user: request.user).name)
            }
            return SiteSelection(hosts: inventory.hosts.filter { found.contains($0.name) }, user: request.user,
                                 siteNames: request.siteNames, runningOnly: runningOnly)
        }
        let hosts = request.allHosts ? inventory.hosts : [try defaultHost()]
        return SiteSelection(hosts: hosts, user: request.user, siteNames: request.siteNames, runningOnly: runningOnly)
    }

    private func defaultHost() throws -> DockerHost {
        let result = Result { () throws(InventoryError) in try inventory.defaultHost(named: hostName) }
        if case .failure(.hostNotNamed(let known)) = result {
            throw BerthProblem(.failed, "name a host with --host, or pass --all-hosts; the inventory has "
                + known.joined(separator: ", "))
        }
        return try result.get()
    }

    /// Finds the selected sites and reports them (and the hosts that did not answer) as the first event.
    private func locate<Value>(_ selection: SiteSelection, _ handle: (SiteWatchEvent<Value>) throws -> Void)
        async throws -> [LocatedSite]
    {
        var leftOut: [HostProblemRecord] = []
        let sites = try await selection.locate(hostFailed: { host, error in
            leftOut.append(HostProblemRecord(host: host.name, error: "\(error)"))
        })
        try handle(.located(sites: sites.map(WatchedSite.init), hosts: selection.hosts.map(\.name),
                            spansHosts: selection.spansHosts, leftOut: leftOut))
        return sites
    }
}
