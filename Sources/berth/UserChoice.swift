import BerthCore
import Foundation

/// Whose sites a command acts on: `--user`, else `$BERTH_USER`, for every command. Decided here, once, and passed
/// on as a value: nothing deeper reads the environment for it.
enum UserChoice {
    /// `--user`, else `$BERTH_USER`; nil means any user's site of the name (the commands that find a site).
    static func named(_ option: NameArgument?, environment: [String: String]) throws -> String? {
        if let option { return option.value }
        guard let fromEnvironment = environment["BERTH_USER"], !fromEnvironment.isEmpty else { return nil }
        do {
            return try SiteName.checked(fromEnvironment, as: .given(by: "BERTH_USER"))
        } catch {
            throw UsageError("\(error); set BERTH_USER to a valid name or pass --user")
        }
    }

    /// The owner of what a command makes (publish, and render and pack, which show what publish builds):
    /// `--user`, else `$BERTH_USER`, else the login name. Without any of them the user is `default`; with
    /// `announcingDefault` (publish, whose container and images are named after the user) berth says so on
    /// standard error. render and pack stay quiet: pack's standard error carries its digest.
    static func owner(_ option: NameArgument?, environment: [String: String],
                      announcingDefault: Bool = false) throws -> String {
        if let user = try named(option, environment: environment) { return user }
        let loginNames = ["USER", "LOGNAME"].compactMap { environment[$0] }.filter { !$0.isEmpty }
        let user = SiteIdentity.defaultUser(environment: environment)
        if announcingDefault && loginNames.isEmpty {
            Console.status("berth: note: no --user, BERTH_USER or USER is set, so the user is '\(user)'")
        }
        return user
    }
}
