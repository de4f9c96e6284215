import Foundation

/// One `berth publish` run: one or more sites, each to a named host, the inventory's default host, or the host
/// `auto` placement picks. Several sites publish concurrently; one failing does not stop the others.
public struct PublishJob: Sendable {
    public let inventory: Inventory
    /// `--host`: a host's name, `auto`, or nil for the inventory's default host.
    public let hostName: String?
    public let builder: (host: DockerHost, engine: DockerEngine)?
    public let options: PublishOptions
    public let templates: TemplateSet
    public let environment: [String: String]
    private let ledger = PlacementLedger()

    public static let automaticHost = "auto"

    public init(inventory: Inventory, hostName: String?, builder: (host: DockerHost, engine: DockerEngine)?,
                options: PublishOptions, templates: TemplateSet, environment: [String: String]) {
        self.inventory = inventory
        self.hostName = hostName
        self.builder = builder
        self.options = options
        self.templates = templates
        self.environment = environment
    }

    public struct Outcome: Sendable {
        public var sitePath: String
        /// The host chosen, when it got that far.
        public var host: String?
        public var result: Result<PublishResult, Error>
    }

    public func publish(sitePath: String, events: @escaping Publisher.EventHandler) async throws -> PublishResult {
        let host = try await chooseHost(for: sitePath)
        return try await publisher(for: host).publish(sitePath: sitePath, options: options, events: events)
    }

    /// Publishes every site, `jobs` at a time, and reports each outcome in the order the sites were given.
    public func publishAll(
        _ sitePaths: [String], jobs: Int,
        events: @escaping @Sendable (String, PublishEvent) -> Void,
        finished: @escaping @Sendable (String, Result<PublishResult, Error>) -> Void
    ) async -> [Outcome] {
        await BoundedFanOut.map(sitePaths, width: jobs) { sitePath in
            var host: DockerHost?
            let result = await Result<PublishResult, Error> {
                let chosen = try await chooseHost(for: sitePath)
                host = chosen
                return try await publisher(for: chosen).publish(sitePath: sitePath, options: options) {
                    events(sitePath, $0)
                }
            }
            finished(sitePath, result)
            return Outcome(sitePath: sitePath, host: host?.name, result: result)
        }
    }

    func publisher(for host: DockerHost) -> Publisher {
        Publisher(host: host, engine: DockerEngine(endpoint: host.endpoint), builder: builder, templates: templates,
                  credentials: CredentialStore(environment: environment), environment: environment)
    }

    func chooseHost(for sitePath: String) async throws -> DockerHost {
        guard hostName == Self.automaticHost else { return try inventory.defaultHost(named: hostName) }
        let site = try Site.load(path: sitePath, dereference: options.dereference)
        let identity = try site.identity(name: options.siteName, user: options.user)
        let memory = options.memory ?? site.config.memory ?? .defaultLimit
        return try await ledger.place(identity, memory: memory, among: inventory.hosts)
    }
}

/// Places sites for `--host auto`, remembering what this run has placed so that concurrent publishes spread out.
actor PlacementLedger {
    private var capacities: [HostCapacity]?
    private var unreachable: [String: String] = [:]
    private var sitesByHost: [String: Set<SiteIdentity>] = [:]
    private var measuring: Task<Void, Never>?

    /// A site that already runs somewhere stays there; a new one goes where most memory is free.
    func place(_ identity: SiteIdentity, memory: MemoryLimit, among hosts: [DockerHost]) async throws -> DockerHost {
        // Concurrent publishes share one measurement: the actor is re-entered while it is under way.
        if measuring == nil {
            measuring = Task { await measure(hosts) }
        }
        await measuring?.value
        if let home = sitesByHost.first(where: { $0.value.contains(identity) }),
           let host = hosts.first(where: { $0.name == home.key }) {
            return host
        }
        let chosen = try HostPlacement.choose(for: memory, among: capacities ?? [], unreachable: unreachable)
        if let index = capacities?.firstIndex(where: { $0.host.name == chosen.name }) {
            capacities?[index].committedBytes += memory.bytes
        }
        sitesByHost[chosen.name, default: []].insert(identity)
        return chosen
    }

    private func measure(_ hosts: [DockerHost]) async {
        let results = await withTaskGroup(of: (Int, Result<(HostCapacity, Set<SiteIdentity>), Error>).self) { group in
            for (index, host) in hosts.enumerated() {
                group.addTask {
                    let engine = DockerEngine(endpoint: host.endpoint, requestTimeout: .seconds(10))
                    return (index, await Result {
                        let capacity = try await HostCapacity.measure(host, engine: engine, replacing: nil)
                        let sites = try await SiteLocator(host: host, engine: engine).containers().map(\.identity)
                        return (capacity, Set(sites))
                    })
                }
            }
            var results: [(Int, Result<(HostCapacity, Set<SiteIdentity>), Error>)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }
        }
        var measured: [HostCapacity] = []
        for (index, result) in results {
            switch result {
            case .success(let (capacity, sites)):
                measured.append(capacity)
                sitesByHost[hosts[index].name] = sites
            case .failure(let error):
                unreachable[hosts[index].name] = "\(error)"
            }
        }
        capacities = measured
    }
}

extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
