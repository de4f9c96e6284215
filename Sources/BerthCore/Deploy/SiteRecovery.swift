import Logging

/// Puts a site back the way it was before a publish or rollback that was killed (SIGKILL, a lost machine, an
/// engine restart) part-way through its replacement. Whatever step it was killed in, the site ends up with the
/// version that served before (the last one checked), in the state it had (running or stopped); the staging
/// container and the killed run's unchecked image are removed.
///
/// The states a replacement passes through, and what recovery does with each:
/// - staging `…--next` (running, exited or never started) beside the site's container: the new version had not
///   taken over. The staging container goes; the site's container is started again if it ran before (a publish
///   of an older berth stopped it before its check).
/// - the previous container parked as `…--old`, with or without a new container under the site's name: the switch
///   had not committed. The new container goes and the parked one gets its name back (and is started if it ran).
/// - a final container started ahead under `…--next.final` (on the parking network, holding no port): the new
///   version had not taken over. It goes.
/// - only a staging container: a first publish never served. It goes; the site has no container.
///
/// Every command that changes a site recovers it first, holding the site's deploy lock, so it never mistakes a
/// publish under way for a killed one.
struct SiteRecovery {
    let host: DockerHost
    let engine: any ContainerEngine
    let identity: SiteIdentity
    var logger = Logger(label: "berth.recovery")

    /// The site's containers by role; each is this site's (a container of one of these names that is not stays
    /// out, and is never touched).
    struct Containers {
        var site: ContainerInspect?
        var staging: ContainerInspect?
        var parked: ContainerInspect?
        /// A final container started ahead while the staging one was checked (see `Replacement`).
        var prepared: ContainerInspect?

        var hasLeftovers: Bool { staging != nil || parked != nil || prepared != nil }
    }

    func containers() async throws -> Containers {
        let (engine, identity) = (engine, identity)
        @Sendable func owned(_ name: String) async throws -> ContainerInspect? {
            guard let container = try await engine.inspectContainer(name), identity.owns(container.labels) else {
                return nil
            }
            return container
        }
        // Every publish asks this first: the names are asked at once rather than one after another. A site
        // published by an earlier berth still has its container, or its killed publish's staging container, under
        // the legacy name.
        async let site = owned(identity.containerName)
        async let legacySite = owned(identity.legacyContainerName)
        async let staging = owned(identity.stagingContainerName)
        async let legacyStaging = owned(identity.legacyStagingContainerName)
        async let parked = owned(identity.parkedContainerName)
        async let prepared = owned(identity.preparedContainerName)
        let current = try await site
        let currentStaging = try await staging
        return Containers(site: current == nil ? try await legacySite : current,
                          staging: currentStaging == nil ? try await legacyStaging : currentStaging,
                          parked: try await parked, prepared: try await prepared)
    }

    /// Recovers the site if a replacement was interrupted, and removes images of versions that never served.
    /// Call it holding the site's deploy lock. Returns what it did, a sentence each, for a warning.
    func recover() async throws -> [String] {
        let found = try await containers()
        var actions: [String] = []
        // Whether the version that served ran when the replacement began; a staging container of an older berth
        // does not say, and that berth had stopped it: it ran.
        let previousRan = found.staging?.labels[Replacement.previousStateLabel].map { $0 == "running" } ?? true
        if let staging = found.staging {
            try await remove(staging)
            actions.append("removed \(identity.stagingContainerName), the unchecked new version of an interrupted "
                + "publish or rollback")
        }
        if let prepared = found.prepared {
            try await remove(prepared)
            actions.append("removed \(identity.preparedContainerName), the unchecked new version's container of an "
                + "interrupted publish or rollback")
        }
        var site = found.site
        if let parked = found.parked {
            if let unfinished = found.site {
                try await remove(unfinished)
                actions.append("removed the new \(identity.containerName) that had not finished taking over")
            }
            try await engine.renameContainer(parked.id, to: identity.containerName)
            actions.append("gave the previous version its name \(identity.containerName) back")
            site = try await engine.inspectContainer(parked.id)
        }
        if found.hasLeftovers, let site, !site.state.running, previousRan {
            try await engine.startContainer(site.id)
            actions.append("started the previous version (\(site.labels[BerthLabel.version] ?? "?")) again")
        }
        actions += await removeUncheckedVersions(keeping: site?.image)
        for action in actions {
            logger.info("recovered \(identity)", metadata: ["action": "\(action)"])
        }
        return actions
    }

    private func remove(_ container: ContainerInspect) async throws {
        do {
            try await engine.removeContainer(container.id, force: true)
        } catch EngineError.notFound {
            // Gone already.
        }
    }

    /// Removes the images a killed publish built and never saw serve (those still marked pending), except the
    /// one `keeping` (the site's container's image, which has served: only its mark goes). Failures are left for
    /// the next recovery.
    func removeUncheckedVersions(keeping imageID: String?) async -> [String] {
        let prefix = identity.pendingRepository + ":"
        let images = (try? await engine.listImages(labelFilters: identity.labels.map { "\($0.key)=\($0.value)" })) ?? []
        var actions: [String] = []
        for image in images {
            for pendingTag in (image.repoTags ?? []) where pendingTag.hasPrefix(prefix) {
                let version = String(pendingTag.dropFirst(prefix.count))
                let versionTag = identity.repository(registry: nil) + ":" + version
                let tags = image.id == imageID ? [] : (image.repoTags ?? []).filter {
                    $0 == versionTag || $0.hasSuffix("/" + versionTag)
                }
                // The pending mark goes last, so that a failure leaves the version marked.
                var removedAll = true
                for tag in tags + [pendingTag] {
                    do {
                        try await engine.removeImage(tag)
                    } catch EngineError.notFound {
                        continue
                    } catch {
                        removedAll = false
                        break
                    }
                }
                if removedAll, image.id != imageID {
                    actions.append("removed version \(version), built by an interrupted publish that never served it")
                }
            }
        }
        return actions
    }
}
