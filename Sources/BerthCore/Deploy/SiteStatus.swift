import Foundation

/// What a site's container is doing, in berth's words: a stopped site is `stopped` whether Docker calls it
/// `created` or `exited`.
public enum SiteState: String, Sendable, Codable, Equatable {
    case running, stopped, restarting, paused, removing, dead

    public init(dockerState: String) {
        switch dockerState {
        case "running": self = .running
        case "restarting": self = .restarting
        case "paused": self = .paused
        case "removing": self = .removing
        case "dead": self = .dead
        default: self = .stopped
        }
    }
}

/// One berth site on one host, for `berth sites`.
public struct SiteStatus: Sendable, Codable, Equatable {
    public var host: String
    public var user: String
    public var site: String
    public var state: SiteState
    /// Where the site answers: through the host's edge (`https://NAME/`) when it has one, else its host port
    /// (kept while it is stopped).
    public var url: String?
    /// The names the host's edge serves the site under, its default one first (absent without an edge).
    public var domains: [String]?
    /// The `berth.version` label of the running version.
    public var version: String?
    /// Bytes; nil when the container has no limit.
    public var memoryLimit: Int64?
    /// Bytes in use without the reclaimable page cache; nil when the site is not running.
    public var memoryUsage: Int64?
    /// Why the memory in use of a running site could not be read (absent when it was, or the site is stopped).
    public var memoryError: String?
    /// RFC 3339, when the site is running.
    public var startedAt: String?
    public var uptimeSeconds: Int64?
    public var containerID: String
    public var containerName: String
    public var image: String?
    /// The image the site was built FROM (`berth.base.image`); nil for a site built before berth recorded it.
    public var baseImage: String?
    /// True when the host's `baseImage` is now another image than the one the site was built on (a newer one was
    /// pulled): publishing again rebuilds it on the new one. Nil when that cannot be told (the host does not have
    /// the base image, as when the site was built on another host, or the site predates the label).
    public var baseOutdated: Bool?
    /// Set when a publish or rollback has containers beside the site's (a staging `…--next`, the previous version
    /// parked as `…--old`): whether it is under way or was interrupted, and what to do.
    public var interruption: String?
}

/// The sites of one host, or why they could not be listed.
public struct HostSiteList: Sendable {
    public var host: DockerHost
    public var sites: [SiteStatus]
    /// Set when the host could not be asked; `sites` is then empty.
    public var error: String?

    /// Lists the sites of every host at once; a host that fails is reported in its entry, the others still list.
    /// The result is in the order of `hosts`. `sampleMemory: false` leaves out the memory in use (each running
    /// container's sample takes the engine about a second).
    public static func gather(
        from hosts: [DockerHost],
        user: String?,
        now: Date = Date(),
        sampleMemory: Bool = true,
        engine makeEngine: @escaping @Sendable (DockerHost) -> any ContainerEngine
    ) async -> [HostSiteList] {
        await withTaskGroup(of: (Int, HostSiteList).self) { group in
            for (index, host) in hosts.enumerated() {
                group.addTask {
                    let locator = SiteLocator(host: host, engine: makeEngine(host))
                    do {
                        let sites = try await locator.statuses(user: user, now: now, sampleMemory: sampleMemory)
                        return (index, HostSiteList(host: host, sites: sites))
                    } catch {
                        return (index, HostSiteList(host: host, sites: [], error: "\(error)"))
                    }
                }
            }
            var lists: [(Int, HostSiteList)] = []
            for await list in group { lists.append(list) }
            return lists.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}

extension SiteLocator {
    /// Every site on this host (of one user, when given) with its state, URL, version, memory and uptime. Each
    /// container is inspected, and sampled once when it runs, all at the same time.
    public func statuses(user: String? = nil, now: Date = Date(), sampleMemory: Bool = true) async throws
        -> [SiteStatus]
    {
        // One entry per site: its own container, else its parked one, else the staging one of a first publish.
        let bySite = Dictionary(grouping: try await allContainers(user: user), by: \.identity)
        let found = bySite.keys.sorted { ($0.user, $0.site) < ($1.user, $1.site) }.compactMap { identity in
            let containers = bySite[identity] ?? []
            let shown = containers.first { $0.role == .site } ?? containers.first { $0.role == .parked }
                ?? containers.first
            return shown.map { ($0, containers.filter { $0.role != .site }) }
        }
        return try await withThrowingTaskGroup(of: (Int, SiteStatus?).self) { group in
            for (index, (container, leftovers)) in found.enumerated() {
                group.addTask {
                    var entry = try await status(of: container, now: now, sampleMemory: sampleMemory)
                    if !leftovers.isEmpty {
                        entry?.interruption = await interruption(of: container.identity, leaving: leftovers)
                    }
                    return (index, entry)
                }
            }
            var statuses: [(Int, SiteStatus)] = []
            for try await (index, status) in group {
                if let status { statuses.append((index, status)) }
            }
            return statuses.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// nil when the container went away while the list was being made.
    func status(of container: SiteContainer, now: Date, sampleMemory: Bool = true) async throws -> SiteStatus? {
        guard let details = try await engine.inspectContainer(container.id) else { return nil }
        let state = SiteState(dockerState: details.state.status)
        var status = SiteStatus(
            host: host.name, user: container.identity.user, site: container.identity.site, state: state,
            url: host.siteURL(labels: details.labels, port: Publisher.publishedPort(of: details)),
            version: details.labels[BerthLabel.version],
            memoryLimit: details.hostConfig.memory.flatMap { $0 > 0 ? $0 : nil },
            containerID: details.id, containerName: details.plainName, image: details.config.image)
        status.baseImage = details.labels[BerthLabel.baseImage]
        status.domains = host.edge == nil ? nil : EdgeLabel.hostnames(details.labels)?.map(\.name)
        status.baseOutdated = await baseOutdated(details.labels)
        guard state == .running else { return status }
        if let startedAt = details.state.startedAt, let started = EngineTimestamp.parse(startedAt) {
            status.startedAt = startedAt
            status.uptimeSeconds = max(0, Int64(now.timeIntervalSince(started)))
        }
        guard sampleMemory else { return status }
        do {
            status.memoryUsage = try await memoryInUse(container.id)
        } catch {
            status.memoryError = "\(error)"
        }
        return status
    }

    /// Whether the base image named in a site's labels is now another image on the host; nil when unknown.
    private func baseOutdated(_ labels: [String: String]) async -> Bool? {
        guard let reference = labels[BerthLabel.baseImage], let builtOn = labels[BerthLabel.baseImageID],
              let current = try? await engine.inspectImage(reference)
        else { return nil }
        return current.id != builtOn
    }

    /// Whether the containers beside a site's are a publish under way (its lock is held and live) or what a killed
    /// one left, and what to do then.
    func interruption(of identity: SiteIdentity, leaving leftovers: [SiteContainer]) async -> String {
        let lock = DeployLock(engine: engine, identity: identity)
        if let holder = try? await lock.currentHolder(), !lock.isStale(holder) {
            return "a publish or rollback is under way (\(holder.who))"
        }
        let names = leftovers.compactMap(\.summary.name).sorted().joined(separator: ", ")
        return "a publish or rollback was interrupted and left \(names); `berth start \(identity.site)` (or "
            + "publish, rollback, stop, rm) puts back the version that served before"
    }

    /// One sample, taken at once (`one-shot`: memory needs no second sample). nil when the container stopped or
    /// went away in the meantime; any other failure is thrown, for the site's row to say so.
    private func memoryInUse(_ id: String) async throws -> Int64? {
        do {
            for try await sample in engine.stats(id, stream: false, oneShot: true) {
                return sample.memoryUsageBytes.map { Int64(clamping: $0) }
            }
        } catch let error where SiteStreams.isContainerGone(error) {
            return nil
        }
        return nil
    }
}
