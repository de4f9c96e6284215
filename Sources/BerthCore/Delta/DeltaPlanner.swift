import Foundation

/// What a delta is made on: the running version's image, its manifest, and what changed since.
struct DeltaBasis: Sendable {
    var previousImageID: String
    var previousVersion: String
    /// The engine's JSON for the previous image (its configuration is copied).
    var previousImage: JSONValue
    var previousLabels: [String: String]
    var diff: ManifestDiff
    var manifest: SiteManifest
    /// Delta layers already on the last full build, and their bytes.
    var depth: Int
    var deltaBytes: Int64
}

/// Decides whether a publish can make its image as one layer on the running version, checking every
/// precondition, and says why not when it cannot. Reading the engine's state fails soft: a full build.
struct DeltaPlanner: Sendable {
    let host: DockerHost
    let engine: DockerEngine
    var policy = DeltaPolicy()
    /// `BERTH_DELTA=off` turns deltas off (for comparing with the full build; the full build is the reference).
    let enabled: Bool

    static let switchVariable = "BERTH_DELTA"

    init(host: DockerHost, engine: DockerEngine, environment: [String: String]) {
        self.host = host
        self.engine = engine
        self.enabled = environment[Self.switchVariable] != "off"
    }

    struct Plan: Sendable {
        var choice: ImagePathChoice
        var basis: DeltaBasis?
    }

    /// - Parameters:
    ///   - precompress: the image build makes gzip copies of the site's text files, which a layer of the changed
    ///     files would not carry.
    ///   - prefetched: the running version as read before the lock; used only if it is still `existing`.
    func plan(existing: ContainerInspect?, recipe: String, base: BaseImage, manifest: SiteManifest,
              versionExists: Bool, precompress: Bool = false, prefetched: DeltaPrefetch? = nil) async -> Plan {
        if precompress {
            return Plan(choice: .full("precompress is on: the image build makes the gzip copies of the text files"))
        }
        do {
            return try await planOrThrow(existing: existing, recipe: recipe, base: base, manifest: manifest,
                                         versionExists: versionExists, prefetched: prefetched)
        } catch {
            return Plan(choice: .full("the running version could not be read (\(error))"))
        }
    }

    private func planOrThrow(existing: ContainerInspect?, recipe: String, base: BaseImage, manifest: SiteManifest,
                             versionExists: Bool, prefetched: DeltaPrefetch?) async throws -> Plan {
        func full(_ reason: String) -> Plan { Plan(choice: .full(reason)) }
        guard enabled else { return full("delta publishes are turned off (\(Self.switchVariable)=off)") }
        guard let existing else { return full("no version of the site on \(host.name) to build on") }
        guard !versionExists else { return full("this version's image was made before") }
        let previousVersion = existing.labels[BerthLabel.version] ?? String(existing.image.prefix(19))
        let running: DeltaPrefetch
        if let prefetched = prefetched?.of(existing) {
            running = prefetched
        } else {
            running = try await DeltaPrefetch.reading(existing, from: engine)
        }
        if let store = running.storage.containerdSnapshotter {
            return full("\(host.name)'s engine keeps images in containerd's store (\(store)), where loading a "
                + "partial image is not verified")
        }
        guard let image = running.image else {
            return full("the running version's image (\(previousVersion)) is gone from \(host.name)")
        }
        let labels = Self.labels(of: image)
        guard let previousRecipe = labels[DeltaLabel.recipe] else {
            return full("the running version (\(previousVersion)) was made by a berth that records no recipe")
        }
        guard base.isBase(of: labels) else {
            return full("the base image changed (\(labels[BerthLabel.baseImageID]?.prefix(19) ?? "unknown") → "
                + "\(base.id.prefix(19)))")
        }
        guard previousRecipe == recipe else {
            return full("the templates or server settings changed (the rendered Dockerfile or server "
                + "configuration differ from the running version's)")
        }
        guard let bytes = running.manifestArchive,
              let file = try TarContents.entries(of: bytes).first(where: { $0.kind == .file }),
              let previous = SiteManifest.decode(file.contents)
        else {
            return full("the running version (\(previousVersion)) carries no file manifest")
        }
        let diff = ManifestDiff(from: previous, to: manifest)
        if let reserved = diff.written.first(where: { ManifestDiff.name(of: $0.path).hasPrefix(DeltaLayer.whiteoutPrefix) }) {
            return full(DeltaRefusal.reservedName(reserved.path).description)
        }
        let depth = labels[DeltaLabel.depth].flatMap(Int.init) ?? 0
        let deltaBytes = labels[DeltaLabel.bytes].flatMap(Int64.init) ?? 0
        let layers = image["RootFS"]?["Layers"]?.array?.count ?? 0
        if let compaction = policy.compaction(depth: depth + 1, layers: layers + 1,
                                              deltaBytes: deltaBytes + diff.contentBytes,
                                              siteBytes: manifest.fileBytes) {
            return full(compaction)
        }
        let basis = DeltaBasis(previousImageID: existing.image, previousVersion: previousVersion, previousImage: image,
                               previousLabels: labels, diff: diff, manifest: manifest, depth: depth,
                               deltaBytes: deltaBytes)
        let reason = "\(diff.written.filter { $0.kind != .directory }.count) changed, \(diff.deleted.count) deleted "
            + "since \(previousVersion) (\(ReadableUnits.bytes(diff.contentBytes)) of files)"
        return Plan(choice: .delta(reason), basis: basis)
    }

    static func labels(of image: JSONValue) -> [String: String] {
        guard case .object(let fields)? = image["Config"]?["Labels"] else { return [:] }
        return fields.compactMapValues(\.string)
    }
}
