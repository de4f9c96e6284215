import BerthCore
import Foundation
import Logging
import SQLiteNIO

/// The server's state in one SQLite file: users, tokens (hashed), quota overrides, deploys and the audit log.
/// Which sites run and their versions are not kept here: the engines stay the source of truth for those.
/// One connection, used by one actor at a time, so every change is one serialized transaction.
public actor Store {
    let connection: SQLiteConnection

    public static func open(path: String, logger: Logger = Logger(label: "berth.store")) async throws -> Store {
        let directory = ParentDirectory.of(path)
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw BerthProblem(.failed, "cannot open the database \(path): \(error)")
        }
        chmod(path, 0o600)
        let store = Store(connection: connection)
        try await store.migrate()
        return store
    }

    init(connection: SQLiteConnection) {
        self.connection = connection
    }

    public func close() async {
        try? await connection.close()
    }

    /// Each step runs once, in order; `PRAGMA user_version` records how many have run.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE users (name TEXT PRIMARY KEY, admin INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL)
            """,
            """
            CREATE TABLE tokens (id TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
              hash TEXT NOT NULL, scope TEXT NOT NULL, site TEXT, expires_at REAL, created_at REAL NOT NULL,
              revoked_at REAL, last_used_at REAL)
            """,
            """
            CREATE TABLE quotas (user TEXT PRIMARY KEY REFERENCES users(name) ON DELETE CASCADE, sites INTEGER,
              memory INTEGER, site_memory INTEGER, upload_size INTEGER, files INTEGER, versions INTEGER,
              publishes_per_hour INTEGER)
            """,
            """
            CREATE TABLE deploys (id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, site TEXT NOT NULL,
              upload_digest TEXT, digest TEXT, version TEXT, memory INTEGER, server TEXT, state TEXT NOT NULL,
              error TEXT, started_at REAL NOT NULL, finished_at REAL)
            """,
            "CREATE INDEX deploys_by_user ON deploys(user, started_at)",
            """
            CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, user TEXT, token TEXT,
              action TEXT NOT NULL, site TEXT, digest TEXT, source TEXT, result TEXT NOT NULL, detail TEXT)
            """,
            // The seam for custom domains routed by the edge: a domain is routed for a user only when listed here.
            "CREATE TABLE domains (name TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE, created_at REAL NOT NULL)",
        ],
        [
            // The hosts a user's sites are placed on; none pinned means every host of the server.
            """
            CREATE TABLE pinned_hosts (user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
              host TEXT NOT NULL, PRIMARY KEY (user, host))
            """,
        ],
        [
            // The token a publish came with, so that the audit entry of one the server's stop cut off names it.
            "ALTER TABLE deploys ADD COLUMN token TEXT",
        ],
    ]

    func migrate() async throws {
        _ = try await connection.query("PRAGMA foreign_keys = ON")
        _ = try await connection.query("PRAGMA journal_mode = WAL")
        let done = try await connection.query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0
        for (index, steps) in Self.migrations.enumerated() where index >= done {
            _ = try await connection.query("BEGIN")
            do {
                for step in steps { _ = try await connection.query(step) }
                _ = try await connection.query("PRAGMA user_version = \(index + 1)")
                _ = try await connection.query("COMMIT")
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw BerthProblem(.failed, "the database's schema could not be brought up to date (step \(index + 1)): \(error)")
            }
        }
        try await recordInterruptedDeploys()
    }

    /// A deploy still marked as under way was cut off when the server stopped (killed, or its machine lost): it is
    /// recorded as failed, and the audit log says so, since the publish never got to write its own entry.
    func recordInterruptedDeploys() async throws {
        let now = Date()
        let interrupted = try await connection.query(
            "SELECT id, user, token, site, upload_digest, started_at FROM deploys WHERE state = 'started' ORDER BY id")
        for row in interrupted {
            guard let id = row.column("id")?.integer else { continue }
            let started = Date(timeIntervalSince1970: row.column("started_at")?.double ?? 0)
            let detail = "the server stopped during the publish (deploy \(id), started "
                + "\(ISO8601DateFormatter().string(from: started))); `berth sites` shows what serves"
            _ = try await connection.query(
                "UPDATE deploys SET state = 'failed', error = ?, finished_at = ? WHERE id = ?",
                [.text(detail), .float(now.timeIntervalSince1970), .integer(id)])
            try await audit(AuditEntry(time: now, user: row.column("user")?.string, token: row.column("token")?.string,
                                       action: "publish",
                                       site: row.column("site")?.string, digest: row.column("upload_digest")?.string,
                                       source: "server restart", result: BerthProblem.Code.failed.rawValue,
                                       detail: detail))
        }
    }

    // MARK: Users

    public func addUser(_ name: String, admin: Bool) async throws {
        guard try await user(name) == nil else {
            throw BerthProblem(.conflict, "the user \(name) exists already")
        }
        _ = try await connection.query("INSERT INTO users (name, admin, created_at) VALUES (?, ?, ?)",
                                       [.text(name), .integer(admin ? 1 : 0), .float(Date().timeIntervalSince1970)])
    }

    public func user(_ name: String) async throws -> UserRecord? {
        try await users(where: "WHERE u.name = ?", [.text(name)]).first
    }

    public func users() async throws -> [UserRecord] {
        try await users(where: "", [])
    }

    private func users(where clause: String, _ binds: [SQLiteData]) async throws -> [UserRecord] {
        let rows = try await connection.query("""
            SELECT u.name, u.admin, u.created_at, q.sites, q.memory, q.site_memory, q.upload_size, q.files,
              q.versions, q.publishes_per_hour
            FROM users u LEFT JOIN quotas q ON q.user = u.name \(clause) ORDER BY u.name
            """, binds)
        return rows.map { row in
            var quotas = Quotas()
            for key in Quotas.keys { quotas[keyPath: key.path] = row.column(key.name)?.integer.map(Int64.init) }
            return UserRecord(name: row.column("name")?.string ?? "", admin: row.column("admin")?.bool ?? false,
                              created: Date(timeIntervalSince1970: row.column("created_at")?.double ?? 0),
                              quotaOverrides: quotas)
        }
    }

    public func hasAdmin() async throws -> Bool {
        try await !connection.query("SELECT name FROM users WHERE admin = 1 LIMIT 1").isEmpty
    }

    public func removeUser(_ name: String) async throws {
        guard try await user(name) != nil else { throw BerthProblem(.notFound, "no user \(name)") }
        _ = try await connection.query("DELETE FROM users WHERE name = ?", [.text(name)])
    }

    /// Sets the user's overrides: a nil keeps the current override; `clear` names quotas to reset to the default.
    public func setQuotas(_ name: String, _ overrides: Quotas, clear: [String]) async throws {
        guard var current = try await user(name)?.quotaOverrides else { throw BerthProblem(.notFound, "no user \(name)") }
        for key in Quotas.keys {
            if let value = overrides[keyPath: key.path] { current[keyPath: key.path] = value }
            if clear.contains(key.name) { current[keyPath: key.path] = nil }
        }
        let values: [SQLiteData] = Quotas.keys.map { current[keyPath: $0.path].map { .integer(Int($0)) } ?? .null }
        _ = try await connection.query("""
            INSERT OR REPLACE INTO quotas (user, sites, memory, site_memory, upload_size, files, versions,
              publishes_per_hour) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(name)] + values)
    }

    // MARK: Tokens

    public func addToken(_ token: TokenRecord, hash: String) async throws {
        _ = try await connection.query("""
            INSERT INTO tokens (id, user, hash, scope, site, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(token.id), .text(token.user), .text(hash), .text(token.scope.rawValue),
                  token.site.map(SQLiteData.text) ?? .null,
                  token.expires.map { .float($0.timeIntervalSince1970) } ?? .null,
                  .float(token.created.timeIntervalSince1970)])
    }

    /// The token with this id and its stored hash; the caller compares the hash.
    public func token(id: String) async throws -> (record: TokenRecord, hash: String)? {
        guard let row = try await connection.query(Self.tokenColumns + " WHERE id = ?", [.text(id)]).first else {
            return nil
        }
        return (Self.token(row), row.column("hash")?.string ?? "")
    }

    public func tokens(user: String?) async throws -> [TokenRecord] {
        let rows = try await connection.query(Self.tokenColumns + (user == nil ? "" : " WHERE user = ?")
            + " ORDER BY created_at", user.map { [.text($0)] } ?? [])
        return rows.map(Self.token)
    }

    public func revokeToken(id: String) async throws -> TokenRecord {
        guard let (token, _) = try await token(id: id) else { throw BerthProblem(.notFound, "no token \(id)") }
        _ = try await connection.query("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                                       [.float(Date().timeIntervalSince1970), .text(id)])
        return token
    }

    public func touchToken(id: String) async throws {
        _ = try await connection.query("UPDATE tokens SET last_used_at = ? WHERE id = ?",
                                       [.float(Date().timeIntervalSince1970), .text(id)])
    }

    static let tokenColumns = "SELECT id, user, hash, scope, site, expires_at, created_at, revoked_at, last_used_at FROM tokens"

    static func token(_ row: SQLiteRow) -> TokenRecord {
        func date(_ column: String) -> Date? {
            row.column(column)?.double.map(Date.init(timeIntervalSince1970:))
        }
        return TokenRecord(id: row.column("id")?.string ?? "", user: row.column("user")?.string ?? "",
                           scope: TokenScope(rawValue: row.column("scope")?.string ?? "") ?? .read,
                           site: row.column("site")?.string, expires: date("expires_at"),
                           created: date("created_at") ?? Date(timeIntervalSince1970: 0),
                           revoked: date("revoked_at"), lastUsed: date("last_used_at"))
    }

    // MARK: Deploys

    public func startDeploy(user: String, token: String, site: String, uploadDigest: String) async throws -> Int {
        let rows = try await connection.query("""
            INSERT INTO deploys (user, token, site, upload_digest, state, started_at) VALUES (?, ?, ?, ?, 'started', ?)
            RETURNING id
            """, [.text(user), .text(token), .text(site), .text(uploadDigest), .float(Date().timeIntervalSince1970)])
        return rows.first?.column("id")?.integer ?? 0
    }

    public func finishDeploy(_ id: Int, result: PublishResult?, server: String?, error: String?) async throws {
        _ = try await connection.query("""
            UPDATE deploys SET state = ?, digest = ?, version = ?, memory = ?, server = ?, error = ?, finished_at = ?
            WHERE id = ?
            """, [.text(result == nil ? "failed" : "succeeded"), result.map { .text($0.digest) } ?? .null,
                  result.map { .text($0.version) } ?? .null, result.map { .integer(Int($0.memoryLimit)) } ?? .null,
                  server.map(SQLiteData.text) ?? .null, error.map(SQLiteData.text) ?? .null,
                  .float(Date().timeIntervalSince1970), .integer(id)])
    }

    /// The last publish of the site that worked: what was uploaded and what it built.
    public func lastSucceededDeploy(user: String, site: String) async throws
        -> (uploadDigest: String, digest: String, memory: Int64, server: String?)?
    {
        guard let row = try await connection.query("""
            SELECT upload_digest, digest, memory, server FROM deploys WHERE user = ? AND site = ? AND state = 'succeeded'
            ORDER BY id DESC LIMIT 1
            """, [.text(user), .text(site)]).first,
            let upload = row.column("upload_digest")?.string, let digest = row.column("digest")?.string
        else { return nil }
        return (upload, digest, Int64(row.column("memory")?.integer ?? 0), row.column("server")?.string)
    }

    /// Publishes the user started since `since`, and the oldest of them (for Retry-After).
    public func publishes(user: String, since: Date) async throws -> (count: Int, oldest: Date?) {
        let row = try await connection.query(
            "SELECT COUNT(*) AS n, MIN(started_at) AS oldest FROM deploys WHERE user = ? AND started_at >= ?",
            [.text(user), .float(since.timeIntervalSince1970)]).first
        return (row?.column("n")?.integer ?? 0, row?.column("oldest")?.double.map(Date.init(timeIntervalSince1970:)))
    }

    public func deployStates(user: String, site: String) async throws -> [String] {
        try await connection.query("SELECT state FROM deploys WHERE user = ? AND site = ? ORDER BY id",
                                   [.text(user), .text(site)]).compactMap { $0.column("state")?.string }
    }

    // MARK: Audit

    public func audit(_ entry: AuditEntry) async throws {
        _ = try await connection.query("""
            INSERT INTO audit (time, user, token, action, site, digest, source, result, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.float(entry.time.timeIntervalSince1970), entry.user.map(SQLiteData.text) ?? .null,
                  entry.token.map(SQLiteData.text) ?? .null, .text(entry.action),
                  entry.site.map(SQLiteData.text) ?? .null, entry.digest.map(SQLiteData.text) ?? .null,
                  entry.source.map(SQLiteData.text) ?? .null, .text(entry.result),
                  entry.detail.map(SQLiteData.text) ?? .null])
    }

    public func auditEntries(user: String?, since: Date?) async throws -> [AuditEntry] {
        var clauses: [String] = []
        var binds: [SQLiteData] = []
        if let user { clauses.append("user = ?"); binds.append(.text(user)) }
        if let since { clauses.append("time >= ?"); binds.append(.float(since.timeIntervalSince1970)) }
        let rows = try await connection.query(
            "SELECT * FROM audit" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
                + " ORDER BY id", binds)
        return rows.map { row in
            AuditEntry(time: Date(timeIntervalSince1970: row.column("time")?.double ?? 0),
                       user: row.column("user")?.string, token: row.column("token")?.string,
                       action: row.column("action")?.string ?? "", site: row.column("site")?.string,
                       digest: row.column("digest")?.string, source: row.column("source")?.string,
                       result: row.column("result")?.string ?? "", detail: row.column("detail")?.string)
        }
    }

    // MARK: Domains (the seam for the edge)

    public func allowDomain(_ name: String, user: String) async throws {
        guard try await self.user(user) != nil else { throw BerthProblem(.notFound, "no user \(user)") }
        let owner = try await connection.query("SELECT user FROM domains WHERE name = ?", [.text(name)]).first?
            .column("user")?.string
        if let owner, owner != user {
            throw BerthProblem(.conflict, "the domain \(name) is allowed for another user; remove it there first")
        }
        _ = try await connection.query("INSERT OR IGNORE INTO domains (name, user, created_at) VALUES (?, ?, ?)",
                                       [.text(name), .text(user), .float(Date().timeIntervalSince1970)])
    }

    public func domains(user: String) async throws -> [String] {
        try await connection.query("SELECT name FROM domains WHERE user = ? ORDER BY name", [.text(user)])
            .compactMap { $0.column("name")?.string }
    }

    // MARK: Pinned hosts

    public func pinnedHosts(user: String) async throws -> [String] {
        try await connection.query("SELECT host FROM pinned_hosts WHERE user = ? ORDER BY host", [.text(user)])
            .compactMap { $0.column("host")?.string }
    }

    /// Replaces the hosts `user` is pinned to; none unpins them.
    public func setPinnedHosts(_ hosts: [String], user: String) async throws {
        guard try await self.user(user) != nil else { throw BerthProblem(.notFound, "no user \(user)") }
        _ = try await connection.query("BEGIN")
        do {
            _ = try await connection.query("DELETE FROM pinned_hosts WHERE user = ?", [.text(user)])
            for host in Set(hosts) {
                _ = try await connection.query("INSERT INTO pinned_hosts (user, host) VALUES (?, ?)",
                                               [.text(user), .text(host)])
            }
            _ = try await connection.query("COMMIT")
        } catch {
            _ = try? await connection.query("ROLLBACK")
            throw error
        }
    }
}
