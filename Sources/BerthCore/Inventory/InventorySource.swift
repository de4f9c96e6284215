/// Where berth's hosts came from: told with `-v` and by `berth hosts`, since a `./hosts.yml` in the current
/// directory silently takes the place of `DOCKER_HOST`.
public enum InventorySource: Sendable, Equatable, CustomStringConvertible {
    /// `--hosts FILE`.
    case option(file: String)
    /// `$BERTH_HOSTS`.
    case environment(file: String)
    /// `./hosts.yml`; `ignoredDockerHost` is the `DOCKER_HOST` it takes the place of, when one is set.
    case currentDirectory(file: String, ignoredDockerHost: String?)
    /// No hosts file: the one host `local`, from `DOCKER_HOST`.
    case dockerHost(String)
    /// No hosts file and no `DOCKER_HOST`: the one host `local`, on the default socket.
    case defaultSocket

    public var description: String {
        switch self {
        case .option(let file):
            return "hosts from \(file) (--hosts)"
        case .environment(let file):
            return "hosts from \(file) (BERTH_HOSTS)"
        case .currentDirectory(let file, let ignored):
            let note = ignored.map { "; DOCKER_HOST=\($0) is not used, pass --hosts to choose" } ?? ""
            return "hosts from \(file) in the current directory\(note)"
        case .dockerHost(let value):
            return "no hosts file: the local host from DOCKER_HOST=\(value)"
        case .defaultSocket:
            return "no hosts file: the local host on \(DockerEndpoint.defaultLocal)"
        }
    }
}
