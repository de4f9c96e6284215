/// What a delta needs from the running version (the engine's image store, the version's image, its file
/// manifest), read while the site is still being packed, before the site's lock is taken. Until then it is only a
/// guess: `DeltaPlanner` uses it only if, under the lock, the site's container is still the one it was read from
/// and runs the same image (an image ID names its content, and a container's root filesystem is read-only).
/// Reading fails soft, and never before the site's own errors are known: any failure just leaves it to the planner.
struct DeltaPrefetch: Sendable {
    var containerID: String
    var imageID: String
    var storage: EngineStorageInfo
    var image: JSONValue?
    /// The manifest file's bytes as the engine's archive endpoint gave them; nil when the version carries none.
    var manifestArchive: [UInt8]?

    static func read(_ identity: SiteIdentity, from engine: DockerEngine) async -> DeltaPrefetch? {
        do {
            guard let container = try await engine.inspectContainer(identity.containerName),
                  identity.owns(container.labels)
            else { return nil }
            return try await reading(container, from: engine)
        } catch {
            return nil
        }
    }

    /// What a delta needs from `container`, read now (the three reads at once).
    static func reading(_ container: ContainerInspect, from engine: DockerEngine) async throws -> DeltaPrefetch {
        async let storage = engine.storageInfo()
        async let image = engine.inspectImageJSON(container.image)
        async let manifest = engine.archive(container.id, path: BuildContextLayout.siteManifestInImage)
        return DeltaPrefetch(containerID: container.id, imageID: container.image, storage: try await storage,
                             image: try await image, manifestArchive: try await manifest)
    }

    /// This read, if it is of `container` as it is now.
    func of(_ container: ContainerInspect) -> DeltaPrefetch? {
        containerID == container.id && imageID == container.image ? self : nil
    }
}
