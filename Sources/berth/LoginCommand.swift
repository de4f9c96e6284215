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
            + "and stored readable only by you in ~/.config/berth/remote.json. In CI, set BERTH_REMOTE and BERTH_TOKEN instead. "
            + "A server whose certificate an own CA signed is trusted with BERTH_CA=CA.pem (stored with the login)."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The server's URL, e.g. https://berth.example.com.")
    var url: String

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
            try file.write(endpoint)
            Console.status("signed in to \(endpoint.url) as \(signedIn.user) (token \(signedIn.token.id), "
                + "scope \(signedIn.token.scope.rawValue)); stored in \(file.path)")
        }
    }
}

struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Forget the berth server login: commands act on the engines directly again."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await reportingErrors {
            let file = RemoteLoginFile(environment: ProcessInfo.processInfo.environment)
            Console.status(file.remove() ? "signed out (removed \(file.path))" : "not signed in")
        }
    }
}
