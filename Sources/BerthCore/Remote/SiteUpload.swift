/// What a remote publish sends: the site's files only (its `.dockerignore` applied; no Dockerfile, no server
/// configuration, which the server renders with its own templates), as the same reproducible tar a build context
/// is, under `site/`. Its digest lets the server say "unchanged" before anything is sent.
public struct SiteUpload: Sendable {
    public let site: Site
    let context: BuildContext

    public init(path: String) throws {
        site = try Site.load(path: path)
        var tree = site.tree
        tree.leftOutAtRoot = SiteTree.neverUploaded
        context = BuildContext(rootFiles: [], tree: tree, packsManifest: false)
    }

    public func summary() async throws -> ContextSummary { try await context.summary() }

    public func stream() -> ContextStream { context.stream() }

    /// The directory every entry of an upload lies under.
    public static let rootDirectory = BuildContextLayout.siteDirectory
}
