import BerthCore
import Foundation

/// Where a user's publish may go: the hosts the operator pinned them to (`berth admin user pin`), else every host
/// of the server. `--host auto` (or none) places among those; a named host outside them is refused. A site that
/// already runs stays where it is, so a user pinned since is told to move it rather than get a second copy.
extension SiteServer {
    func placement(for caller: Caller, site: String, requested: String?) async throws -> LocalSiteOperations {
        let inventory = operations.inventory
        let pinned = try await store.pinnedHosts(user: caller.user)
        var allowed = inventory
        if !pinned.isEmpty {
            allowed.hosts = inventory.hosts.filter { pinned.contains($0.name) }
            guard !allowed.hosts.isEmpty else {
                throw BerthProblem(.forbidden, "\(caller.user) is pinned to \(pinned.joined(separator: ", ")), which "
                    + "this server no longer has; nothing was built; ask an admin to pin you to one of its hosts")
            }
        }
        let allowedNames = allowed.hosts.map(\.name)
        var hostName: String?
        if let requested, requested != PublishJob.automaticHost {
            guard inventory.hosts.contains(where: { $0.name == requested }) else {
                throw BerthProblem(.usage, "the server has no host \(requested); "
                    + (pinned.isEmpty ? "its hosts are " : "\(caller.user) may publish to ") + allowedNames.joined(separator: ", "))
            }
            guard allowedNames.contains(requested) else {
                throw BerthProblem(.forbidden, "\(caller.user) is pinned to \(allowedNames.joined(separator: ", ")): "
                    + "--host \(requested) is not one of them; nothing was built")
            }
            hostName = requested
        } else if allowed.hosts.count > 1 {
            hostName = PublishJob.automaticHost
        } else {
            hostName = allowedNames.first
        }
        let running = try await operations.sites(user: caller.user).sites.filter { $0.site == site }.map(\.host)
        if let home = running.first, !allowedNames.contains(home) {
            throw BerthProblem(.forbidden, "\(site) runs on \(home), outside the hosts \(caller.user) is pinned to "
                + "(\(allowedNames.joined(separator: ", "))); nothing was built; remove it there first (`berth rm "
                + "\(site)`), or ask an admin to pin you to \(home) too")
        }
        if let home = running.first, let hostName, hostName != PublishJob.automaticHost, hostName != home {
            throw BerthProblem(.conflict, "\(site) runs on \(home), not \(hostName); nothing was built; publish "
                + "it without --host, or remove it there first (`berth rm \(site)`)")
        }
        return LocalSiteOperations(inventory: allowed, hostName: hostName, environment: operations.environment)
    }
}
