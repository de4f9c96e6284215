/// How a publish makes the new version's image, and why: one layer of the changes loaded on top of the running
/// version (`delta`), or the full build from the Dockerfile (`full`), which is the reference and the fallback
/// whenever a precondition of the delta fails.
public struct ImagePathChoice: Sendable, Equatable, Codable {
    public enum Path: String, Sendable, Codable {
        case delta, full
    }

    public var path: Path
    public var reason: String

    public static func full(_ reason: String) -> ImagePathChoice { ImagePathChoice(path: .full, reason: reason) }
    public static func delta(_ reason: String) -> ImagePathChoice { ImagePathChoice(path: .delta, reason: reason) }
}

/// Labels only delta images carry: how many delta layers sit on the last full build, and their bytes, so that
/// the stack is compacted by a full build in time.
public enum DeltaLabel {
    public static let depth = "berth.delta.depth"
    public static let bytes = "berth.delta.bytes"
    /// SHA-256 of the rendered Dockerfile and server configuration (`BuildContext.recipeDigest`); a delta needs
    /// the running version's to be the same.
    public static let recipe = "berth.recipe"
}

/// When a delta stops being worth it: a full build then compacts the stack.
public struct DeltaPolicy: Sendable, Equatable {
    /// Delta layers at most on one full build.
    public var maxDeltas = 20
    /// Layers at most in the image (the classic store refuses more than 125).
    public var maxLayers = 100
    /// The deltas' bytes at most, as a fraction of the site's files' bytes (but always at least `minimumBytes`).
    public var maxWeightFraction = 0.5
    public var minimumBytes: Int64 = 1 << 20

    public init() {}

    /// Why the stack must be compacted by a full build, or nil when one more delta is fine.
    func compaction(depth: Int, layers: Int, deltaBytes: Int64, siteBytes: Int64) -> String? {
        if depth >= maxDeltas {
            return "compacting: \(depth) delta layers are stacked on the last full build (at most \(maxDeltas))"
        }
        if layers >= maxLayers {
            return "compacting: the image has \(layers) layers (at most \(maxLayers))"
        }
        let allowance = max(Int64(Double(siteBytes) * maxWeightFraction), minimumBytes)
        if deltaBytes > allowance {
            return "compacting: the delta layers weigh \(ReadableUnits.bytes(deltaBytes)), more than "
                + "\(Int(maxWeightFraction * 100)) % of the site's \(ReadableUnits.bytes(siteBytes))"
        }
        return nil
    }
}

/// A delta could not be made after all; the publish falls back to the full build.
enum DeltaRefusal: Error, CustomStringConvertible {
    case reservedName(String)
    case lowerLayerMissing(String)
    case loadRefused(String)

    var description: String {
        switch self {
        case .reservedName(let path):
            "the site file \(path) has a name starting with .wh., which image layers reserve"
        case .lowerLayerMissing(let message):
            "the engine lacks a layer of the running version (\(message))"
        case .loadRefused(let message):
            "the engine refused the delta image (\(message))"
        }
    }
}
