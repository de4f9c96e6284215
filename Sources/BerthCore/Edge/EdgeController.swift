import Foundation
import Logging

/// What `berth edge status` reports about one host's edge.
public struct EdgeStatus: Sendable, Codable, Equatable {
    public var host: String
    /// `running`, `stopped`, … as the engine says, or `absent`.
    public var state: String
    public var running: Bool
    public var image: String?
    public var domain: String
    public var tls: String
    public var httpPort: Int
    public var httpsPort: Int
    /// Routes derived from the sites' containers now (what the edge serves once it runs).
    public var routes: Int
    public var hostnames: [String]
}

/// Runs and configures a host's edge (`berth-edge`, Caddy) through the Docker Engine API alone: create and start
/// the container, upload its configuration into its `/config` volume, and have Caddy reload it through its admin
/// socket inside the container (`docker exec caddy reload`). The routes are always derived again from the
/// sites' containers on the engine; nothing else records them.
public struct EdgeController: Sendable {
    public let host: DockerHost
    public let settings: EdgeSettings
    public let engine: any ContainerEngine
    let environment: [String: String]
    let logger: Logger

    public init(host: DockerHost, engine: any ContainerEngine, environment: [String: String],
                logger: Logger = Logger(label: "berth.edge")) throws(EdgeError) {
        guard let settings = host.edge else { throw EdgeError.notConfigured(host: host.name) }
        self.host = host
        self.settings = settings
        self.engine = engine
        self.environment = environment
        self.logger = logger
    }

    var name: String { EdgeContainerSpec.containerName }

    /// The edge's container, if there is one that berth made.
    func container() async throws -> ContainerInspect? {
        guard let container = try await engine.inspectContainer(name) else { return nil }
        guard container.labels[EdgeContainerSpec.roleLabel] != nil else {
            throw EdgeError.foreignContainer(host: host.name)
        }
        return container
    }

    /// Fails, saying how to start it, unless the edge runs.
    public func requireRunning() async throws {
        let container = try await container()
        guard let container, container.state.running else {
            throw EdgeError.notRunning(host: host.name, state: container?.state.status)
        }
    }

    /// Starts the edge (creating its container when missing, or recreating it when its image or ports changed)
    /// and gives it the full route table. Idempotent.
    @discardableResult
    public func up() async throws -> EdgeRouteTable {
        let image = try settings.image(environment: environment).description
        let spec = EdgeContainerSpec.make(image: image, settings: settings)
        var existing = try await container()
        if let current = existing,
           current.labels[EdgeContainerSpec.settingsLabel] != spec.labels[EdgeContainerSpec.settingsLabel] {
            logger.info("recreating the edge: its image or ports changed", metadata: ["host": "\(host.name)"])
            try await engine.removeContainer(current.id, force: true)
            existing = nil
        }
        let id: String
        if let existing {
            id = existing.id
        } else {
            if try await engine.inspectImage(image) == nil, let docker = engine as? DockerEngine {
                _ = try await BaseImage.pull(image, to: docker, registryAuth: DockerEngine.anonymousRegistryAuth,
                                             events: { _ in })
            }
            id = try await engine.createContainer(name: name, config: spec)
        }
        let table = try await routeTable()
        try await upload(table, to: id)
        if try await engine.inspectContainer(id)?.state.running != true {
            try await engine.startContainer(id)
            try await waitForAdminSocket(id)
        }
        return try await apply()
    }

    /// Stops and removes the edge's container; its volumes (certificates, Caddy's CA) stay for the next `up`.
    /// Returns false when there was none.
    @discardableResult
    public func down() async throws -> Bool {
        guard let container = try await container() else { return false }
        try await engine.removeContainer(container.id, force: true)
        return true
    }

    public func status() async throws -> EdgeStatus {
        let container = try await container()
        let table = try await routeTable()
        return EdgeStatus(
            host: host.name, state: container?.state.status ?? "absent", running: container?.state.running ?? false,
            image: container?.config.image, domain: settings.domain.name, tls: settings.tls.name,
            httpPort: settings.httpPort, httpsPort: settings.httpsPort, routes: table.routes.count,
            hostnames: table.routes.flatMap { $0.hostnames.map(\.name) })
    }

    /// The root certificate (PEM) of the edge's own CA (`tls: internal`).
    public func rootCertificate() async throws -> String {
        guard case .internalCA = settings.tls else {
            throw EdgeError.noInternalCA(host: host.name, mode: settings.tls.name)
        }
        try await requireRunning()
        let result = try await engine.exec(name, command: ["cat", Self.rootCertificatePath])
        guard result.exitCode == 0, result.output.contains("BEGIN CERTIFICATE") else {
            throw EdgeError.startFailed(host: host.name, reason: "its CA has no root certificate yet ("
                + result.errorOutput + ")", logs: [])
        }
        return result.output + "\n"
    }

    static let rootCertificatePath = "/data/caddy/pki/authorities/local/root.crt"

    /// The routes the sites' containers on the host call for now.
    public func routeTable() async throws -> EdgeRouteTable {
        EdgeRouteTable.derive(from: try await SiteLocator(host: host, engine: engine).allContainers())
    }

    /// Gives the running edge the route table derived from the engine now, reloading Caddy only when the
    /// configuration changed (Caddy takes an identical configuration as a no-op). A publish running at the same
    /// time may add its route between the reading and the reload: the table is read again afterwards and
    /// applied once more while it still moves.
    @discardableResult
    public func apply() async throws -> EdgeRouteTable {
        try await requireRunning()
        var table = try await routeTable()
        for _ in 0..<3 {
            try await upload(table, to: name)
            let result = try await engine.exec(name, command: ["caddy", "reload", "--config", CaddyConfig.path,
                                                               "--address", "unix/" + CaddyConfig.adminSocket])
            guard result.exitCode == 0 else {
                throw EdgeError.reloadFailed(host: host.name, output: Self.caddyError(result))
            }
            let now = try await routeTable()
            if now == table { return table }
            table = now
        }
        return table
    }

    /// Writes the configuration (and the certificate files, with `tls: {cert, key}`) into the edge's volumes.
    func upload(_ table: EdgeRouteTable, to id: String) async throws {
        let config = CaddyConfig.render(settings: settings, table: table).rendered()
        try await engine.putArchive(id, path: "/config", tar: try Self.archive([("caddy/berth.json", config)]))
        if case .files(let certificate, let key) = settings.tls {
            let files = [("berth/tls/cert.pem", try Self.pem(certificate, marker: "CERTIFICATE")),
                         ("berth/tls/key.pem", try Self.pem(key, marker: "PRIVATE KEY"))]
            try await engine.putArchive(id, path: "/data", tar: try Self.archive(files))
        }
    }

    static func archive(_ files: [(String, [UInt8])]) throws -> [UInt8] {
        var tar: [UInt8] = []
        let writer = try TarWriter { bytes in
            tar.append(contentsOf: bytes)
            return true
        }
        var directories: Set<String> = []
        for (path, contents) in files {
            var parts = path.split(separator: "/").dropLast()
            var prefixes: [String] = []
            while !parts.isEmpty {
                prefixes.insert(parts.joined(separator: "/"), at: 0)
                parts = parts.dropLast()
            }
            for directory in prefixes where directories.insert(directory).inserted {
                try writer.addDirectory(directory)
            }
            try writer.addFile(path, contents: contents)
        }
        try writer.finish()
        return tar
    }

    /// A PEM file's bytes, when it holds a block of the kind `marker` names.
    static func pem(_ path: String, marker: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EdgeError.certificateFile(path: path, reason: "cannot be read")
        }
        let text = String(decoding: data, as: UTF8.self)
        guard text.contains("-----BEGIN "), text.contains(marker + "-----") else {
            throw EdgeError.certificateFile(path: path, reason: "is not a PEM file with a \(marker) block")
        }
        return Array(data)
    }

    /// The line where Caddy said what was wrong, else its last lines.
    static func caddyError(_ result: ExecResult) -> String {
        let lines = result.lines.map(\.text).filter { !$0.isEmpty }
        if let error = lines.last(where: { $0.contains("Error:") || $0.contains("\"error\"") }) { return error }
        return lines.suffix(3).joined(separator: " | ")
    }

    /// Caddy creates its admin socket a moment after it starts; a reload before that fails.
    func waitForAdminSocket(_ id: String) async throws {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            guard let state = try await engine.inspectContainer(id)?.state, state.running else { break }
            // The socket is on a tmpfs, which the engine's archive calls cannot see: ask inside the container.
            if try await engine.exec(id, command: ["test", "-S", CaddyConfig.adminSocket]).exitCode == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        let state = try await engine.inspectContainer(id)?.state
        throw EdgeError.startFailed(host: host.name,
                                    reason: state?.running == true ? "no admin socket after 15 s"
                                        : "it exited (code \(state?.exitCode ?? -1))",
                                    logs: await engine.lastLogLines(id))
    }
}
