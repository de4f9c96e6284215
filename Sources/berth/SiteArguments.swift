import ArgumentParser
import BerthCore
import Foundation

/// `SITE [--host NAME] [--hosts FILE] [--user USER]`: one published site on one host, for the commands that act on
/// a site berth already runs.
struct SiteArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("The site's name, as `berth sites` lists it.", valueName: "site"),
              transform: NameArgument.parse)
    var siteName: NameArgument

    @OptionGroup var hostOptions: HostOptions

    @Option(name: .customLong("user"),
            help: "The site's owner (default: $BERTH_USER); needed only when several users have a site of that name on the host.",
            transform: NameArgument.parse)
    var userName: NameArgument?

    @OptionGroup var remote: RemoteOptions

    var site: String { siteName.value }

    /// `--user`, else `$BERTH_USER`, else nil: the one site of that name, whoever owns it.
    func user(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        try UserChoice.named(userName, environment: environment)
    }
}

/// `--check-timeout SECONDS`: how long a site that was just started has to answer 200 on `/`.
struct ServeCheckOptions: ParsableArguments {
    // Unconditional: `-1` is a (wrong) value to report, not an option.
    @Option(name: .customLong("check-timeout"), parsing: .unconditional,
            help: ArgumentHelp("Seconds the started site has to answer 200 on / (default: 30).", valueName: "seconds"),
            transform: WholeNumber<OneOrMore>.parse)
    var checkTimeout = WholeNumber<OneOrMore>(30)

    var duration: Duration { .seconds(checkTimeout.value) }
}
