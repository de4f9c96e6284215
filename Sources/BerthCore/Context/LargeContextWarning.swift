/// A warning for a build context far larger than a static site needs, naming its biggest files: a stray file (a
/// sparse 400 MB disk image, a video, a backup) otherwise ends up in the image without a word.
import Synchronization

public enum LargeContextWarning {
    /// Above this many bytes of context, publish warns.
    public static let threshold: Int64 = 100 << 20
    static let namedFiles = 5
    /// Files smaller than this are not named: they are not what made the context large.
    static let namedFileMinimum: Int64 = 1 << 20

    /// The warning for a context of `byteCount` bytes packed from `tree`, or nil when it is not above `threshold`.
    /// The tree is walked again (metadata only, no file is read) to find the biggest files.
    public static func text(byteCount: Int64, tree: SiteTree, threshold: Int64 = threshold) throws -> String? {
        guard byteCount > threshold else { return nil }
        var biggest: [(path: String, size: Int64)] = []
        try tree.forEachEntry { entry in
            guard case .file(let size, _) = entry.kind, size >= namedFileMinimum else { return }
            biggest.append((entry.path, size))
            if biggest.count > namedFiles * 4 {
                biggest = Array(biggest.sorted(by: isBigger).prefix(namedFiles))
            }
        }
        let named = biggest.sorted(by: isBigger).prefix(namedFiles)
            .map { "\($0.path) (\(ReadableUnits.bytes($0.size)))" }
        let culprits = named.isEmpty
            ? "no file is above \(ReadableUnits.bytes(namedFileMinimum)): it is many files"
            : "the biggest files: " + named.joined(separator: ", ")
        return "the site packs to \(ReadableUnits.bytes(byteCount)), more than the \(ReadableUnits.bytes(threshold)) "
            + "a static site usually needs, and the image grows by as much; \(culprits). Leave out what is not "
            + "meant to be served with .dockerignore"
    }

    private static func isBigger(_ lhs: (path: String, size: Int64), _ rhs: (path: String, size: Int64)) -> Bool {
        lhs.size != rhs.size ? lhs.size > rhs.size : lhs.path < rhs.path
    }

    /// Gives the warning for a site at most once, however many times it is packed (a publish behind an edge
    /// packs it again when its network did not exist yet).
    final class Once: Sendable {
        private let tree: SiteTree
        private let given = Mutex(false)
        private let give: @Sendable (String) -> Void

        init(tree: SiteTree, give: @escaping @Sendable (String) -> Void) {
            self.tree = tree
            self.give = give
        }

        func check(_ summary: ContextSummary) throws {
            guard let warning = try LargeContextWarning.text(byteCount: summary.byteCount, tree: tree),
                  given.withLock({ given in defer { given = true }; return !given })
            else { return }
            give(warning)
        }
    }
}
