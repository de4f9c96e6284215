import Foundation
import Logging
import Yams

/// The hosts berth knows, from `hosts.yml`:
/// ```yaml
/// registry: registry.example.com:5000     # optional
/// hosts:
///   web2:
///     docker: tcp://10.0.0.2:2376          # unix:///path, tcp://host:port
///     tls: /etc/berth/certs/web2           # ca.pem, cert.pem, key.pem (optional)
///     address: 10.0.0.2                    # where published ports are reached (optional)
///     ports: 20000-20999                   # range for automatic host ports (optional)
///     memory: 2g                           # memory berth may use on the host (optional)
///     edge: {domain: …, tls: …}            # a reverse proxy for the host's sites (optional, `EdgeSettings`)
/// ```
/// With no file there is one host, `local`, from `DOCKER_HOST` or the default socket.
public struct Inventory: Sendable {
    public var hosts: [DockerHost]
    public var registry: String?
    /// The file it was read from; nil for the implicit `local` host.
    public var file: String?
    /// Where the hosts came from, in words.
    public var source: InventorySource

    public static let defaultFileName = "hosts.yml"
    static let topLevelKeys = ["hosts", "registry"]
    static let hostKeys = ["docker", "tls", "address", "ports", "memory", "edge"]

    public init(hosts: [DockerHost], registry: String? = nil, file: String? = nil, source: InventorySource? = nil) {
        self.hosts = hosts
        self.registry = registry
        self.file = file
        self.source = source ?? file.map { .option(file: $0) } ?? .defaultSocket
    }

    /// `explicitPath` (from `--hosts`), else `BERTH_HOSTS`, else `./hosts.yml` if it exists, else the local host.
    /// Which one was used is logged (seen with `-v`) and kept in `source`.
    /// `currentDirectory` is where `hosts.yml` is looked for.
    public static func load(explicitPath: String?, environment: [String: String], currentDirectory: String = ".",
                            logger: Logger = Logger(label: "berth.inventory")) throws -> Inventory {
        let inventory = try read(explicitPath: explicitPath, environment: environment,
                                 defaultFile: currentDirectory + "/" + defaultFileName)
        logger.info("\(inventory.source)")
        return inventory
    }

    private static func read(explicitPath: String?, environment: [String: String], defaultFile: String) throws
        -> Inventory
    {
        let sources: [(String?, (String) -> InventorySource)] = [
            (explicitPath, { .option(file: $0) }),
            (environment["BERTH_HOSTS"].flatMap { $0.isEmpty ? nil : $0 }, { .environment(file: $0) }),
        ]
        for case let (path?, source) in sources {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigFileError(file: path, line: nil, message: "cannot read the hosts file; check the path")
            }
            var inventory = try parse(String(decoding: data, as: UTF8.self), file: path)
            inventory.source = source(path)
            return inventory
        }
        if let data = FileManager.default.contents(atPath: defaultFile) {
            var inventory = try parse(String(decoding: data, as: UTF8.self), file: defaultFile)
            inventory.source = .currentDirectory(file: defaultFile, ignoredDockerHost: dockerHost(environment))
            return inventory
        }
        let local = DockerHost(name: "local", endpoint: try DockerEndpoint.fromEnvironment(environment))
        let source = dockerHost(environment).map(InventorySource.dockerHost) ?? .defaultSocket
        return Inventory(hosts: [local], source: source)
    }

    private static func dockerHost(_ environment: [String: String]) -> String? {
        environment["DOCKER_HOST"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A file that is not berth's but plainly another tool's (an Ansible inventory) is refused as such.
    public static func parse(_ text: String, file: String) throws(ConfigFileError) -> Inventory {
        do {
            return try parseBerthFile(text, file: file)
        } catch {
            if let foreign = ForeignHostsFile.recognise(text, file: file) { throw foreign }
            throw error
        }
    }

    private static func parseBerthFile(_ text: String, file: String) throws(ConfigFileError) -> Inventory {
        guard let mapping = try YAMLMapping.parse(text, file: file) else {
            throw ConfigFileError(file: file, line: nil, message: "the file is empty; list hosts under 'hosts:'")
        }
        try mapping.rejectUnknownKeys(allowed: topLevelKeys, in: "the hosts file")
        let registry = try mapping.string("registry")?.value
        guard let hostsEntry = mapping.entries.first(where: { $0.key == "hosts" }) else {
            throw ConfigFileError(file: file, line: nil, message: "no 'hosts:' mapping; name at least one host")
        }
        let hostsMapping = try YAMLMapping(node: hostsEntry.value, file: file, what: "'hosts'")
        guard !hostsMapping.entries.isEmpty else {
            throw ConfigFileError(file: file, line: hostsEntry.line, message: "'hosts' is empty; name at least one host")
        }
        var hosts: [DockerHost] = []
        for entry in hostsMapping.entries {
            hosts.append(try parseHost(name: entry.key, node: entry.value, line: entry.line, file: file))
        }
        return Inventory(hosts: hosts, registry: registry, file: file)
    }

    private static func parseHost(name: String, node: Node, line: Int?, file: String) throws(ConfigFileError) -> DockerHost {
        guard SiteName.isValid(name) else {
            throw ConfigFileError(file: file, line: line, message: SiteNameError.invalid(name, role: .host).description)
        }
        let fields = try YAMLMapping(node: node, file: file, what: "host '\(name)'")
        try fields.rejectUnknownKeys(allowed: hostKeys, in: "host '\(name)'")
        guard let (dockerText, dockerLine) = try fields.string("docker") else {
            throw ConfigFileError(file: file, line: line,
                                  message: "host '\(name)' has no 'docker:' endpoint (unix:///var/run/docker.sock or tcp://HOST:PORT)")
        }
        // A relative certificate directory is taken relative to the hosts file, not to where berth runs.
        var tlsDirectory = try fields.string("tls")?.value
        if let relative = tlsDirectory, !relative.hasPrefix("/") {
            tlsDirectory = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(relative).path
        }
        let endpoint: DockerEndpoint
        do {
            endpoint = try DockerEndpoint(parsing: dockerText, tlsDirectory: tlsDirectory)
        } catch {
            throw ConfigFileError(file: file, line: dockerLine, message: "host '\(name)': \(error)")
        }
        var host = DockerHost(name: name, endpoint: endpoint, address: try fields.string("address")?.value)
        if let (text, portsLine) = try fields.string("ports") {
            guard let range = parsePortRange(text) else {
                throw ConfigFileError(file: file, line: portsLine,
                                      message: "host '\(name)': ports must be a range such as 20000-20999, not '\(text)'")
            }
            host.ports = range
        }
        if let (text, memoryLine) = try fields.string("memory") {
            do {
                host.memory = try MemoryLimit(parsing: text)
            } catch {
                throw ConfigFileError(file: file, line: memoryLine, message: "host '\(name)': \(error)")
            }
        }
        if let edge = fields.entries.first(where: { $0.key == "edge" }) {
            host.edge = try EdgeSettings.parse(edge.value, host: name, line: edge.line, file: file)
        }
        return host
    }

    static func parsePortRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-").map { $0.trimmingWhitespace() }
        guard parts.count == 2, let low = Int(parts[0]), let high = Int(parts[1]), 1 <= low, low <= high, high <= 65535
        else { return nil }
        return low...high
    }

    /// The host named `name`; without a name, the only host, else the one called `local`.
    public func defaultHost(named name: String?) throws(InventoryError) -> DockerHost {
        if let name { return try host(named: name) }
        if hosts.count == 1, let only = hosts.first { return only }
        if let local = hosts.first(where: { $0.name == "local" }) { return local }
        throw InventoryError.hostNotNamed(known: hosts.map(\.name))
    }

    public func host(named name: String) throws(InventoryError) -> DockerHost {
        if let host = hosts.first(where: { $0.name == name }) { return host }
        throw InventoryError.unknownHost(name: name, known: hosts.map(\.name), file: file)
    }
}

public enum InventoryError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownHost(name: String, known: [String], file: String?)
    case hostNotNamed(known: [String])

    public var description: String {
        switch self {
        case .unknownHost(let name, let known, let file):
            let source = file.map { "in \($0)" } ?? "(no hosts file: only the local Docker engine)"
            return "unknown host '\(name)'; known hosts \(source): \(known.joined(separator: ", "))"
        case .hostNotNamed(let known):
            return "name a host with --host (or --host auto); the inventory has \(known.joined(separator: ", "))"
        }
    }
}
