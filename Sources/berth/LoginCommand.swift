import ArgumentParser
import BerthCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Sign in to a berth server: publish, sites and the other commands then go through it.",
        discussion: "The token is read from standard input (or asked for on a terminal), checked with the server, "
            + "and stored readable only by you in ~/.config/berth/remote.json, under --name (default: the server's "
            + "host name). The last server logged in to is the default; --remote NAME picks another for one command. "
            + "In CI, set BERTH_REMOTE and BERTH_TOKEN instead. "
            + "A server whose certificate an own CA signed is trusted with BERTH_CA=CA.pem (stored with the login)."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The server's URL, e.g. https://berth.example.com.")
    var url: String

    @Option(help: ArgumentHelp("The name to store the login under, for --remote NAME (default: the server's host name).",
                               valueName: "name"),
            transform: RemoteName.parse)
    var name: RemoteName?

    func run() async throws {
        try await reportingErrors {
            try global.bootstrapLogging()
            let environment = ProcessInfo.processInfo.environment
            let token: String
            if isatty(STDIN_FILENO) == 1 {
                guard let typed = getpass("Token for \(url): ") else { throw UsageError("no token was typed") }
                token = String(cString: typed)
            } else {
                token = readLine(strippingNewline: true) ?? ""
            }
            let endpoint = try RemoteEndpoint(url: url, token: token,
                                              caFile: try ServerTrust.caFile(environment: environment))
            let signedIn = try await ServerAPIClient(endpoint: endpoint).call(.GET, "/v1/me", as: SignedIn.self)
            let file = RemoteLoginFile(environment: environment)
            var logins = try file.read()
            let name = name?.value ?? RemoteLogins.defaultName(for: endpoint.url)
            logins.add(endpoint, name: name)
            try file.write(logins)
            Console.status("signed in to \(endpoint.url) as \(signedIn.user) (token \(signedIn.token.id), "
                + "scope \(signedIn.token.scope.rawValue)); stored as '\(name)', the default, in \(file.path)")
        }
    }
}

struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Forget a berth server login (default: the default one); with none left, commands act on the engines directly again."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The login to forget, by its name.", valueName: "name"), transform: RemoteName.parse)
    var name: RemoteName?

    @Flag(help: "Forget every login.")
    var all = false

    func validate() throws {
        if all && name != nil { throw ValidationError("name a login or pass --all, not both") }
    }

    func run() async throws {
        try await reportingErrors {
            let file = RemoteLoginFile(environment: ProcessInfo.processInfo.environment)
            var logins = try file.read()
            if all || logins.remotes.isEmpty {
                Console.status(file.remove() ? "signed out of every server (removed \(file.path))" : "not signed in")
                return
            }
            guard let name = name?.value ?? logins.defaultName else {
                throw UsageError("no login is the default: name the one to forget ("
                    + logins.names.joined(separator: ", ") + "), or pass --all")
            }
            try logins.remove(name)
            if logins.remotes.isEmpty {
                _ = file.remove()
            } else {
                try file.write(logins)
            }
            let rest = logins.names.isEmpty ? "" : "; still signed in as " + logins.names.joined(separator: ", ")
                + (logins.defaultName.map { " (default: \($0))" } ?? " (no default: use --remote NAME)")
            Console.status("signed out of '\(name)'\(rest)")
        }
    }
}

/// `--name` and `--remote NAME`: a stored login's name.
struct RemoteName: Sendable {
    let value: String

    static func parse(_ text: String) throws -> RemoteName {
        do {
            try RemoteLogins.check(name: text)
        } catch {
            throw ValidationError(error.detail)
        }
        return RemoteName(value: text)
    }
}
