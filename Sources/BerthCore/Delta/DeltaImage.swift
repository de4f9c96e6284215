#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Crypto
import Foundation

/// Makes a version's image as one layer on the running version's: writes the layer, the image configuration (the
/// previous one with the new layer's diff ID and the labels a full build gives), and a docker-save archive
/// holding only the new layer, and loads it into the engine (`POST /images/load`).
struct DeltaImage: Sendable {
    let basis: DeltaBasis
    let siteRoot: String
    let sitePath: String

    struct Made: Sendable {
        var imageID: String
        var layerBytes: Int64
        var seconds: [String: Double]
    }

    /// - Parameters:
    ///   - labels: the labels the build would add (digest, version, base image, check path, recipe).
    ///   - tags: the references the loaded image gets.
    func make(on engine: DockerEngine, labels buildLabels: [String: String], tags: [String]) async throws -> Made {
        let clock = ContinuousClock()
        var seconds: [String: Double] = [:]
        func lap(_ name: String, since start: ContinuousClock.Instant) {
            let elapsed = clock.now - start
            seconds[name] = (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        let directory = NSTemporaryDirectory() + "/berth-delta-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        var started = clock.now
        // The previous image's history is asked for while the layer is written.
        let previousImageID = basis.previousImageID
        async let previousHistory: [ImageHistoryStep] = { (try? await engine.imageHistory(previousImageID)) ?? [] }()
        let layer = try DeltaLayer.write(basis.diff, manifest: basis.manifest, siteRoot: siteRoot, sitePath: sitePath,
                                         to: directory + "/layer.tar")
        var labels = basis.previousLabels
        labels[BerthLabel.checkPath] = nil
        labels.merge(buildLabels) { _, new in new }
        labels[DeltaLabel.depth] = String(basis.depth + 1)
        labels[DeltaLabel.bytes] = String(basis.deltaBytes + layer.byteCount)
        let history = await previousHistory
        let config = try Self.configuration(previous: basis.previousImage, history: history, layer: layer,
                                            labels: labels, step: "berth: one layer of the changes, "
                                                + "\(basis.diff.written.count) written, \(basis.diff.deleted.count) deleted")
        let archivePath = directory + "/image.tar"
        try Self.writeArchive(config: config, lowerDiffIDs: Self.diffIDs(of: basis.previousImage), layer: layer,
                              tags: tags, to: archivePath)
        lap("delta-layer", since: started)

        started = clock.now
        do {
            _ = try await engine.loadImages(fromArchiveAt: archivePath)
        } catch EngineError.inBand(_, let message) where message.contains("no such file or directory") {
            throw DeltaRefusal.lowerLayerMissing(message)
        } catch EngineError.inBand(_, let message) {
            throw DeltaRefusal.loadRefused(message)
        } catch EngineError.api(_, _, let message) {
            throw DeltaRefusal.loadRefused(message)
        }
        lap("delta-load", since: started)
        let imageID = "sha256:" + ContentHasher.hex(of: config)
        return Made(imageID: imageID, layerBytes: layer.byteCount, seconds: seconds)
    }

    static func diffIDs(of image: JSONValue) -> [String] {
        (image["RootFS"]?["Layers"]?.array ?? []).compactMap(\.string)
    }

    /// The new image's configuration: the previous image's (architecture, OS, `config` with its user, entrypoint,
    /// environment, ports, stop signal…) with `labels`, one more diff ID and one more history step. The engine
    /// gives the history's steps without their layer flags: a step of size 0 is taken for one without a layer,
    /// and when that does not account for every layer the history is left out rather than guessed.
    static func configuration(previous: JSONValue, history: [ImageHistoryStep], layer: DeltaLayer,
                              labels: [String: String], step: String) throws -> [UInt8] {
        var config: [String: JSONValue] = [:]
        if case .object(let fields)? = previous["Config"] { config = fields }
        config["Labels"] = .object(labels.mapValues(JSONValue.string))
        let created = ISO8601DateFormatter().string(from: Date())
        var image: [String: JSONValue] = [
            "architecture": previous["Architecture"] ?? .string("amd64"),
            "os": previous["Os"] ?? .string("linux"),
            "config": .object(config),
            "created": .string(created),
            "rootfs": .object([
                "type": .string("layers"),
                "diff_ids": .array((diffIDs(of: previous) + [layer.diffID]).map(JSONValue.string)),
            ]),
        ]
        if let variant = previous["Variant"], variant != .string("") { image["variant"] = variant }
        let steps = history.reversed().map { entry -> JSONValue in
            var fields: [String: JSONValue] = [
                "created": .string(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(entry.created ?? 0)))),
                "created_by": .string(entry.createdBy ?? ""),
            ]
            if let comment = entry.comment, !comment.isEmpty { fields["comment"] = .string(comment) }
            if entry.size == 0 { fields["empty_layer"] = .bool(true) }
            return .object(fields)
        }
        if steps.filter({ $0["empty_layer"] == nil }).count == diffIDs(of: previous).count {
            image["history"] = .array(steps + [.object(["created": .string(created), "created_by": .string(step)])])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(JSONValue.object(image)))
    }

    /// A docker-save archive: `manifest.json`, the configuration, and the new layer only. The lower layers are
    /// listed (the loader checks their count) but absent: the engine has them and never opens their files.
    static func writeArchive(config: [UInt8], lowerDiffIDs: [String], layer: DeltaLayer, tags: [String],
                             to path: String) throws {
        struct Entry: Encodable {
            var Config: String
            var RepoTags: [String]
            var Layers: [String]
        }
        func layerFile(_ diffID: String) -> String { String(diffID.dropFirst("sha256:".count)) + "/layer.tar" }
        let configFile = ContentHasher.hex(of: config) + ".json"
        let manifest = [Entry(Config: configFile, RepoTags: tags,
                              Layers: (lowerDiffIDs + [layer.diffID]).map(layerFile))]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let manifestBytes = Array(try encoder.encode(manifest))

        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ContextError.archive("cannot write \(path): \(POSIXFileSystem.errnoText())")
        }
        defer { close(descriptor) }
        let writer = try TarWriter { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
        try writer.addFile("manifest.json", contents: manifestBytes)
        try writer.addFile(configFile, contents: config)
        let layerDirectory = String(layer.diffID.dropFirst("sha256:".count))
        try writer.addDirectory(layerDirectory)
        try writer.addFile(layerDirectory + "/layer.tar", from: SourceName(directory: AT_FDCWD, name: layer.path),
                           sourcePath: layer.path, size: layer.byteCount, executable: false)
        try writer.finish()
    }
}
