/// The names a site's containers and images go by while one version replaces another. They are derived from the
/// site's container name and repository, so they follow whatever scheme `SiteIdentity` uses for those.
extension SiteIdentity {
    /// The new version, run on a staging port (never restarted by the engine) and checked there before the site's
    /// container is touched.
    public var stagingContainerName: String { containerName + "-next" }

    /// The previous container while the new one takes over its name and port; removed once the new one serves,
    /// renamed back if it does not.
    public var parkedContainerName: String { containerName + "-old" }

    /// The tag that marks a version a publish built and has not yet seen serve on the site's port: a version so
    /// marked is never a rollback target, and one left by a killed publish is removed by the next command that
    /// recovers the site. (Image labels cannot change after the build, tags can.)
    var pendingRepository: String { "berth-pending/" + repository(registry: nil) }

    func pendingReference(version: String) -> String { "\(pendingRepository):\(version)" }
}
