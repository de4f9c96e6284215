import BerthCore
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL

/// `berth serve` and `berth admin init`: what the CLI calls.
public enum BerthServe {
    /// Runs the API server until the process is told to stop.
    public static func run(config: ServeConfig, environment: [String: String],
                           onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let logger = Logger(label: "berth.serve")
        let inventory = try Inventory.load(explicitPath: config.hosts, environment: environment)
        let store = try await Store.open(path: config.database)
        let server = SiteServer(config: config, store: store, inventory: inventory, environment: environment,
                                logger: logger)
        server.removeAbandonedUploads()
        let router = makeRouter(server).router
        let configuration = ApplicationConfiguration(address: .hostname(config.listenHost, port: config.listenPort),
                                                     serverName: "berth/\(BerthVersion.current)")
        let serverBuilder: HTTPServerBuilder
        if let cert = config.tlsCertificate, let key = config.tlsKey {
            let certificates = try NIOSSLCertificate.fromPEMFile(cert).map { NIOSSLCertificateSource.certificate($0) }
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: certificates,
                                                               privateKey: .file(key))
            serverBuilder = try .tls(.http1(), tlsConfiguration: tls)
        } else {
            serverBuilder = .http1()
        }
        let app = Application(router: router, server: serverBuilder, configuration: configuration,
                              onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
                              logger: logger)
        try await app.runService()
        await store.close()
    }

    /// Creates the first admin and its admin token; refused once an admin exists.
    public static func initAdmin(config: ServeConfig, name: String) async throws -> CreatedToken {
        try SiteName.check(name, as: .user)
        let store = try await Store.open(path: config.database)
        defer { Task { await store.close() } }
        guard try await !store.hasAdmin() else {
            throw BerthProblem(.conflict, "\(config.database) already has an admin; ask them for a token "
                + "(`berth admin token create`)")
        }
        try await store.addUser(name, admin: true)
        let token = AccessToken.generate()
        let record = TokenRecord(id: token.id, user: name, scope: .admin, site: nil, expires: nil, created: Date())
        try await store.addToken(record, hash: token.hash)
        try await store.audit(AuditEntry(user: name, token: token.id, action: "admin init", source: "local",
                                         result: "ok"))
        return CreatedToken(record, token: token.text)
    }

    static func makeRouter(_ server: SiteServer) -> RouteTable {
        let router = Router(context: ServerRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        var table = RouteTable(router: router)
        table.add(.get, "/v1/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        server.addSiteRoutes(to: &table)
        server.addWatchRoutes(to: &table)
        server.addAdminRoutes(to: &table)
        table.refuseOtherMethods()
        return table
    }

    /// Every route the server answers, for the test that holds them against the OpenAPI document.
    public static var routes: [APIRoute] {
        get async throws {
            let directory = FileManager.default.temporaryDirectory.path + "/berth-routes-\(UUID().uuidString)"
            let config = try ServeConfig(yaml: "database: \(directory)/routes.db\n", file: "routes.yml")
            let store = try await Store.open(path: config.database)
            defer {
                Task {
                    await store.close()
                    try? FileManager.default.removeItem(atPath: directory)
                }
            }
            let server = SiteServer(config: config, store: store, inventory: Inventory(hosts: []), environment: [:],
                                    logger: Logger(label: "berth.routes"))
            return makeRouter(server).routes
        }
    }

    public static var openAPIDocument: String { OpenAPIDocument.yaml }
}
