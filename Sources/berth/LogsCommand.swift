import ArgumentParser
import BerthCore
import Foundation

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show a site's log, or the logs of all sites as one stream in time order.",
        discussion: """
            Each line starts with its site (user/site, with @host when several hosts are searched), then | for \
            the container's standard output or ! for its standard error. Lines of several sites are ordered by \
            Docker's timestamps; with --follow, a line is held half a second so that a line stamped earlier can \
            still go before it. --follow goes on across a publish or rollback (the new container's lines follow \
            under the same site) and, with --all, takes in sites published after it started. Ctrl-C ends \
            --follow; berth then writes what it holds and exits 0.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The site whose log to show.", valueName: "site"), transform: NameArgument.parse)
    var site: NameArgument?

    @Flag(help: "Show the logs of every site (of --user, when given) on the hosts searched, as one stream.")
    var all = false

    @OptionGroup var selection: SiteSelectionOptions

    @Flag(name: .shortAndLong, help: "Keep going: show new lines as the containers write them, until Ctrl-C.")
    var follow = false

    @Option(help: ArgumentHelp(
        "Only lines written since then: a duration back from now (30s, 10m, 2h, 1h30m), an RFC 3339 time (2024-05-01T12:00:00Z) or seconds since 1970.",
        valueName: "time"), transform: LogSince.parse)
    var since: LogSince?

    // Unconditional: `-3` is a (wrong) value to report, not an option.
    @Option(parsing: .unconditional, help: ArgumentHelp("Only the last N lines of each site.", valueName: "n"),
            transform: WholeNumber<ZeroOrMore>.parse)
    var tail: WholeNumber<ZeroOrMore>?

    @Option(name: .shortAndLong,
            help: ArgumentHelp("Append the lines to FILE (created if missing) instead of writing them to standard output.",
                               valueName: "file"),
            completion: .file())
    var output: String?

    @Flag(name: .shortAndLong, help: "Show Docker's timestamp of each line.")
    var timestamps = false

    @Flag(help: "Print JSON lines: {site, user, host, stream, time, text}.")
    var json = false

    func validate() throws {
        switch (site, all) {
        case (nil, false): throw ValidationError("name a site, or pass --all for every site")
        case (.some, true): throw ValidationError("name a site or pass --all, not both")
        default: break
        }
    }

    @OptionGroup var remote: RemoteOptions

    func run() async throws {
        try await reportingErrors {
            try global.bootstrapLogging()
            let operations = try selection.operations(remote: remote)
            let request = try selection.request(siteNames: site.map { [$0.value] } ?? [],
                                                remote: operations is RemoteSiteOperations)
            let options = SiteLogOptions(tail: tail?.value, since: since, follow: follow)
            let (output, follow, json, timestamps) = (self.output, self.follow, self.json, self.timestamps)
            let failures = try await Interruption.cancellingOnSignal {
                var destination: LineOutput?
                var format = LogLineFormat(json: json, timestamps: timestamps, showingHost: false, labelWidth: 0)
                var failures = 0
                try await operations.logs(request, options: options) { event in
                    switch event {
                    case .located(let sites, let hosts, let spansHosts, let leftOut):
                        failures += SiteSelectionOptions.report(located: sites, hosts: hosts, leftOut: leftOut,
                                                                request: request, runningOnly: false)
                        format.showingHost = spansHosts
                        format.labelWidth = sites.map { $0.label(showingHost: spansHosts).count }.max() ?? 0
                        destination = try LineOutput(appendingTo: output)
                    case .value(let line):
                        guard let destination else { return }
                        // A site that joins the follow may have a longer label than those found at the start.
                        format.labelWidth = max(format.labelWidth, line.label(showingHost: format.showingHost).count)
                        if format.json {
                            try destination.writeJSONLine(line)
                        } else {
                            try destination.write(format.text(of: line))
                        }
                        if follow { try destination.flush() }
                    case .ended(let site):
                        try destination?.flush()
                        Console.status("berth: the log of \(site.label(showingHost: format.showingHost)) ended: its container stopped or was removed")
                    case .failed(let site, let message):
                        try destination?.flush()
                        failures += 1
                        Console.error("cannot read the log of \(site.label(showingHost: format.showingHost)) on \(site.host): \(message)")
                    }
                }
                try destination?.flush()
                return failures
            }
            if (failures ?? 0) > 0 { throw ExitStatus.failure }
        }
    }
}

/// How `berth logs` writes a line: as text with its site's label (padded to line up), or as a JSON object.
struct LogLineFormat: Sendable {
    var json: Bool
    var timestamps: Bool
    var showingHost: Bool
    var labelWidth: Int

    func text(of line: SiteLogLine) -> String {
        line.formatted(labelWidth: labelWidth, showingHost: showingHost, timestamps: timestamps) + "\n"
    }
}
