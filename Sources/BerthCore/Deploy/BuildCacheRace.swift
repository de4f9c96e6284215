/// The classic builder of dockerd looks for a cached step among *all* the children of the step's parent image and
/// fails the whole build with `unable to find image "sha256:…"` when one of them is removed during that look-up
/// (moby/moby#29011). On a shared host the base image's children are every site's first build step, so another
/// user's `rm --images`, version pruning or failed-publish clean-up can fail a build that had nothing wrong with it.
/// Such a build is run again, a few times, saying so.
public enum BuildCacheRace {
    public static let attempts = 3

    /// Whether `error` is the engine losing an image it was walking through, rather than a fault of the build.
    public static func isLostImage(_ error: any Error) -> Bool {
        guard case EngineError.inBand(_, let message) = error else { return false }
        return message.hasPrefix("unable to find image \"sha256:")
    }

    /// Runs `build` (given the attempt, from 1) until it succeeds, fails otherwise, or the attempts are used up.
    public static func retrying<Value>(
        warn: (String) -> Void,
        _ build: (Int) async throws -> Value
    ) async throws -> Value {
        var attempt = 1
        while true {
            do {
                return try await build(attempt)
            } catch where isLostImage(error) && attempt < attempts && !Task.isCancelled {
                warn("the engine lost a cached image while building (another build or image removal on the host "
                    + "ran at the same moment: \(error)); building again, attempt \(attempt + 1) of \(attempts)")
                attempt += 1
            }
        }
    }
}
