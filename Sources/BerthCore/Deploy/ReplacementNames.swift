/// The images of versions that have not yet served, named from the site's repository.
extension SiteIdentity {
    /// The tag that marks a version a publish built and has not yet seen serve on the site's port: a version so
    /// marked is never a rollback target, and one left by a killed publish is removed by the next command that
    /// recovers the site. (Image labels cannot change after the build, tags can.)
    var pendingRepository: String { "berth-pending/" + repository(registry: nil) }

    func pendingReference(version: String) -> String { "\(pendingRepository):\(version)" }
}
