import ArgumentParser
import BerthCore
import BerthServer
import Foundation

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Manage a berth server: its first admin, users, quotas, tokens, domains and the audit log.",
        subcommands: [AdminInitCommand.self, AdminUserCommand.self, AdminTokenCommand.self, AdminAuditCommand.self,
                      AdminDomainCommand.self]
    )
}

/// `--remote`, `--json` and the server's API, for the admin commands that go through the server.
struct AdminOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @OptionGroup var remote: RemoteOptions

    @Flag(help: "Print JSON.")
    var json = false

    func api() throws -> ServerAPIClient {
        try global.bootstrapLogging()
        return ServerAPIClient(endpoint: try remote.requiredEndpoint())
    }
}

struct AdminInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the server's first admin in its database and print their admin token (once).",
        discussion: "Refused once the database has an admin. Runs on the server's machine, without the server."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The server's config, for its database.", completion: .file(extensions: ["yml", "yaml"]))
    var config: String

    @Argument(help: "The admin's user name.", transform: NameArgument.parse)
    var name: NameArgument

    @Flag(help: "Print {\"id\", \"token\", …} as JSON.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            try global.bootstrapLogging()
            let created = try await BerthServe.initAdmin(config: try ServeConfig.load(path: config), name: name.value)
            if json {
                try Console.jsonLine(created)
            } else {
                Console.status("created the admin \(created.user); their token (shown only now):")
                Console.writeOutput(created.token + "\n")
            }
        }
    }
}

struct AdminUserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Add, list and remove users, and set their quotas.",
        subcommands: [Add.self, List.self, Remove.self, Quota.self, Pin.self, Unpin.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user.")
        @OptionGroup var admin: AdminOptions
        @Argument(transform: NameArgument.parse) var name: NameArgument
        @Flag(name: .customLong("admin"), help: "Make the user an admin.") var isAdmin = false

        func run() async throws {
            try await reportingErrors(json: admin.json) {
                let user = try await admin.api().call(.POST, "/v1/users", json: NewUser(name: name.value, admin: isAdmin),
                                                      as: UserRecord.self)
                if admin.json { try Console.jsonLine(user) } else { Console.writeOutput("added \(user.name)\n") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users and their quotas.")
        @OptionGroup var admin: AdminOptions

        func run() async throws {
            try await reportingErrors(json: admin.json) {
                let users = try await admin.api().call(.GET, "/v1/users", as: [UserRecord].self)
                if admin.json {
                    for user in users { try Console.jsonLine(user) }
                    return
                }
                var rows = [["USER", "ADMIN", "SITES", "MEMORY", "SITE MEMORY", "UPLOAD", "FILES", "VERSIONS", "PER HOUR",
                             "HOSTS"]]
                for user in users {
                    let quotas = user.quotas ?? user.quotaOverrides
                    func count(_ value: Int64?) -> String { value.map(String.init) ?? "unlimited" }
                    func size(_ value: Int64?) -> String { value.map(ReadableUnits.bytes) ?? "unlimited" }
                    rows.append([user.name, user.admin ? "yes" : "", count(quotas.sites), size(quotas.memory),
                                 size(quotas.siteMemory), size(quotas.uploadSize), count(quotas.files),
                                 count(quotas.versions), count(quotas.publishesPerHour),
                                 user.hosts.flatMap { $0.isEmpty ? nil : $0.joined(separator: ",") } ?? "all"])
                }
                Console.writeOutput(TextTable.render(rows))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm",
                                                        abstract: "Remove a user who has no sites, and their tokens.")
        @OptionGroup var admin: AdminOptions
        @Argument(transform: NameArgument.parse) var name: NameArgument

        func run() async throws {
            try await reportingErrors(json: admin.json) {
                _ = try await admin.api().call(.DELETE, "/v1/users/\(name.value)", as: EmptyAnswer.self)
                Console.writeOutput("removed \(name.value)\n")
            }
        }
    }

    struct Quota: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a user's quotas (counts, or sizes such as 64m and 1g; 'unlimited'), or --reset them to the defaults.")
        @OptionGroup var admin: AdminOptions
        @Argument(transform: NameArgument.parse) var name: NameArgument
        @Option var sites: String?
        @Option var memory: String?
        @Option(name: .customLong("site-memory")) var siteMemory: String?
        @Option(name: .customLong("upload-size")) var uploadSize: String?
        @Option var files: String?
        @Option var versions: String?
        @Option(name: .customLong("publishes-per-hour")) var publishesPerHour: String?
        @Option(help: "A quota to reset to the config's default (repeatable).") var reset: [String] = []

        func run() async throws {
            try await reportingErrors(json: admin.json) {
                var set = Quotas()
                var reset = reset
                let given: [(String, String?)] = [("sites", sites), ("memory", memory), ("site_memory", siteMemory),
                                                  ("upload_size", uploadSize), ("files", files), ("versions", versions),
                                                  ("publishes_per_hour", publishesPerHour)]
                for (key, text) in given {
                    guard let text, let quota = Quotas.keys.first(where: { $0.name == key }) else { continue }
                    do {
                        if let value = try ServeConfig.quotaValue(text, isSize: quota.isSize) {
                            set[keyPath: quota.path] = value
                        } else {
                            throw UsageError("--\(key.replacingOccurrences(of: "_", with: "-")) unlimited: use a large number; unlimited overrides are not stored")
                        }
                    } catch let error as QuotaValueError {
                        throw UsageError("--\(key.replacingOccurrences(of: "_", with: "-")) '\(text)' is not valid: \(error.reason)")
                    }
                }
                reset = reset.map { $0.replacingOccurrences(of: "-", with: "_") }
                let user = try await admin.api().call(.PUT, "/v1/users/\(name.value)/quota",
                                                      json: QuotaChange(set: set, reset: reset), as: UserRecord.self)
                if admin.json { try Console.jsonLine(user) } else { Console.writeOutput("set the quotas of \(user.name)\n") }
            }
        }
    }
}

extension AdminUserCommand {
    struct Pin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pin a user to some of the server's hosts: their publishes are placed only there.",
            discussion: "--host auto then chooses among these hosts, and a --host outside them is refused. Pinning "
                + "adds to the hosts the user is already pinned to.")
        @OptionGroup var admin: AdminOptions
        @Argument(transform: NameArgument.parse) var name: NameArgument
        @Argument(help: ArgumentHelp("The hosts, by their names in the server's inventory.", valueName: "host"))
        var hosts: [String]

        func validate() throws {
            if hosts.isEmpty { throw ValidationError("name at least one host to pin \(name.value) to") }
        }

        func run() async throws {
            try await reportingErrors(json: admin.json) {
                try await PinnedHostsChange.apply(admin, user: name.value) { Set($0).union(hosts) }
            }
        }
    }

    struct Unpin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unpin a user from some hosts, or from all (their sites are then placed across every host).")
        @OptionGroup var admin: AdminOptions
        @Argument(transform: NameArgument.parse) var name: NameArgument
        @Argument(help: ArgumentHelp("The hosts to unpin from (default: all).", valueName: "host"))
        var hosts: [String] = []

        func run() async throws {
            try await reportingErrors(json: admin.json) {
                try await PinnedHostsChange.apply(admin, user: name.value) { hosts.isEmpty ? [] : Set($0).subtracting(hosts) }
            }
        }
    }
}

/// Reads the user's pinned hosts, changes them, and sets them.
enum PinnedHostsChange {
    static func apply(_ admin: AdminOptions, user name: String, _ change: ([String]) -> Set<String>) async throws {
        let api = try admin.api()
        guard let current = try await api.call(.GET, "/v1/users", as: [UserRecord].self).first(where: { $0.name == name })
        else {
            throw BerthProblem(.notFound, "no user \(name)")
        }
        let hosts = change(current.hosts ?? []).sorted()
        let user = try await api.call(.PUT, "/v1/users/\(name)/hosts", json: PinnedHosts(hosts: hosts), as: UserRecord.self)
        if admin.json {
            try Console.jsonLine(user)
        } else {
            let pinned = user.hosts ?? []
            Console.writeOutput(pinned.isEmpty ? "\(name) is placed on every host\n"
                : "\(name) is pinned to \(pinned.joined(separator: ", "))\n")
        }
    }
}

/// An answer without a body (204).
struct EmptyAnswer: Decodable {}

struct AdminTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list and revoke tokens.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print it (only now).")
        @OptionGroup var admin: AdminOptions
        @Option(transform: NameArgument.parse) var user: NameArgument
        @Option(help: "read, deploy or admin.") var scope: TokenScope
        @Option(help: "The one site the token may act on.", transform: NameArgument.parse) var site: NameArgument?
        @Option(help: "How long it lasts: 30d, 12h, 90m or 3600s.", transform: TokenLifetime.parse) var expires: TokenLifetime?

        func run() async throws {
            try await reportingErrors(json: admin.json) {
                let new = NewToken(user: user.value, scope: scope, site: site?.value, expiresInSeconds: expires?.seconds)
                let created = try await admin.api().call(.POST, "/v1/tokens", json: new, as: CreatedToken.self)
                if admin.json {
                    try Console.jsonLine(created)
                } else {
                    Console.status("token \(created.id) for \(created.user), scope \(created.scope.rawValue)"
                        + (created.site.map { ", site \($0)" } ?? "") + " (shown only now):")
                    Console.writeOutput(created.token + "\n")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var admin: AdminOptions
        @Option(transform: NameArgument.parse) var user: NameArgument?

        func run() async throws {
            try await reportingErrors(json: admin.json) {
                let api = try admin.api()
                let tokens = try await api.call(.GET, "/v1/tokens", query: ["user": user?.value], as: [TokenRecord].self)
                if admin.json {
                    for token in tokens { try Console.jsonLine(token) }
                    return
                }
                var rows = [["ID", "USER", "SCOPE", "SITE", "EXPIRES", "STATE"]]
                for token in tokens {
                    let state = token.revoked != nil ? "revoked"
                        : token.expires.map { $0 <= Date() ? "expired" : "valid" } ?? "valid"
                    rows.append([token.id, token.user, token.scope.rawValue, token.site ?? "-",
                                 token.expires.map { $0.formatted(.iso8601) } ?? "never", state])
                }
                Console.writeOutput(TextTable.render(rows))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: it fails at once from then on.")
        @OptionGroup var admin: AdminOptions
        @Argument var id: String

        func run() async throws {
            try await reportingErrors(json: admin.json) {
                let token = try await admin.api().call(.DELETE, "/v1/tokens/\(id)", as: TokenRecord.self)
                if admin.json { try Console.jsonLine(token) } else { Console.writeOutput("revoked \(token.id)\n") }
            }
        }
    }
}

struct AdminAuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit",
                                                    abstract: "Show the audit log: every change, who made it and how it ended.")
    @OptionGroup var admin: AdminOptions
    @Option(transform: NameArgument.parse) var user: NameArgument?
    @Option(help: "Only entries since this time, e.g. 2026-11-29T20:00:00Z.") var since: String?

    func run() async throws {
        try await reportingErrors(json: admin.json) {
            let entries = try await admin.api().call(.GET, "/v1/audit", query: ["user": user?.value, "since": since],
                                                     as: [AuditEntry].self)
            if admin.json {
                for entry in entries { try Console.jsonLine(entry) }
                return
            }
            var rows = [["TIME", "USER", "TOKEN", "ACTION", "SITE", "SOURCE", "RESULT"]]
            for entry in entries {
                rows.append([entry.time.formatted(.iso8601), entry.user ?? "-", entry.token ?? "-", entry.action,
                             entry.site ?? "-", entry.source ?? "-", entry.result])
            }
            Console.writeOutput(TextTable.render(rows))
        }
    }
}

struct AdminDomainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domain", abstract: "Allow custom domains per user (routed by the edge only when allowed).",
        subcommands: [Allow.self])

    struct Allow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allow USER's sites to be served under NAME.")
        @OptionGroup var admin: AdminOptions
        @Argument(transform: NameArgument.parse) var user: NameArgument
        @Argument var name: String

        func run() async throws {
            try await reportingErrors(json: admin.json) {
                let domains = try await admin.api().call(.POST, "/v1/users/\(user.value)/domains/\(name)",
                                                         as: [String].self)
                if admin.json { try Console.jsonLine(domains) } else { Console.writeOutput(domains.joined(separator: "\n") + "\n") }
            }
        }
    }
}

extension TokenScope: ExpressibleByArgument {}

/// `--expires 30d`: a token's lifetime.
struct TokenLifetime: Sendable {
    let seconds: Int64

    static func parse(_ text: String) throws -> TokenLifetime {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        guard let unit = text.last.flatMap({ units[$0] }), let number = Int64(text.dropLast()), number > 0,
              number <= Int64.max / unit
        else {
            throw ValidationError("--expires '\(text)' is not valid: give a number and a unit, e.g. 30d, 12h, 90m or 3600s")
        }
        return TokenLifetime(seconds: number * unit)
    }
}
