import ArgumentParser
import BerthCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show the CPU, memory and network use of running sites, live.",
        discussion: """
            On a terminal the table is redrawn in place about once a second, like docker stats; otherwise a new \
            table is printed each time every site has reported again. --once prints one sample and exits; \
            --json prints a JSON line per sample as it arrives. Ctrl-C ends it with status 0.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The sites to show (default: every running site).", valueName: "site"),
              transform: NameArgument.parse)
    var sites: [NameArgument] = []

    @OptionGroup var selection: SiteSelectionOptions

    @Flag(help: "Print one sample of each site and exit.")
    var once = false

    @Flag(help: "Print JSON lines: {site, user, host, cpuPercent, memoryBytes, memoryLimitBytes, networkRxBytes, networkTxBytes, time}.")
    var json = false

    @OptionGroup var remote: RemoteOptions

    func run() async throws {
        try await reportingErrors {
            try global.bootstrapLogging()
            let operations = try selection.operations(remote: remote)
            let request = try selection.request(siteNames: sites.map(\.value),
                                                remote: operations is RemoteSiteOperations)
            let view = StatsView(json: json, live: !json && isatty(STDOUT_FILENO) == 1)
            let failures: Int?
            if once {
                var events: [SiteWatchEvent<SiteStatsSample>] = []
                try await operations.stats(request, follow: false) { events.append($0) }
                failures = try view.show(events, request: request)
            } else {
                failures = try await Interruption.cancellingOnSignal {
                    try await view.follow(operations, request)
                }
            }
            if (failures ?? 0) > 0 { throw ExitStatus.failure }
        }
    }
}

/// Shows stats samples: JSON lines, a table redrawn in place on a terminal, or a table per round otherwise.
struct StatsView: Sendable {
    let json: Bool
    let live: Bool

    /// Shows one sample per site; returns how many sites (or hosts) could not be read.
    func show(_ events: [SiteWatchEvent<SiteStatsSample>], request: SiteWatchRequest) throws -> Int {
        var labels: [String] = []
        var showingHost = false
        var samples: [String: SiteStatsSample] = [:]
        var failures = 0
        var output: LineOutput?
        for event in events {
            switch event {
            case .located(let sites, let hosts, let spansHosts, let leftOut):
                failures += SiteSelectionOptions.report(located: sites, hosts: hosts, leftOut: leftOut,
                                                        request: request, runningOnly: true)
                showingHost = spansHosts
                labels = sites.map { $0.label(showingHost: spansHosts) }
                if !sites.isEmpty { output = try LineOutput(appendingTo: nil) }
            case .value(let sample):
                if json { try output?.writeJSONLine(sample) }
                samples[sample.label(showingHost: showingHost)] = sample
            case .ended(let site):
                Console.status("berth: \(site.label(showingHost: showingHost)) is gone: its container was removed")
            case .failed(let site, let message):
                failures += 1
                Console.error("cannot read the resource use of \(site.label(showingHost: showingHost)): \(message)")
            }
        }
        if !json { try output?.write(table(samples, of: labels)) }
        try output?.flush()
        return failures
    }

    /// Follows every site until all have ended or the task is cancelled; returns how many could not be read.
    func follow(_ operations: any SiteOperations, _ request: SiteWatchRequest) async throws -> Int {
        let output = try LineOutput(appendingTo: nil)
        let clock = ContinuousClock()
        var showingHost = false
        var shown: [String] = []
        var samples: [String: SiteStatsSample] = [:]
        var reportedSinceDrawn: Set<String> = []
        var lastDrawn: ContinuousClock.Instant?
        var failures = 0

        func draw() throws {
            let text = table(samples, of: shown)
            if live {
                // Home the cursor and overwrite: clear the rest of each line and, at the end, of the screen.
                let clearFirst = lastDrawn == nil ? "\u{1B}[2J" : ""
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                try output.write(clearFirst + "\u{1B}[H" + lines.map { $0 + "\u{1B}[K\n" }.joined() + "\u{1B}[J")
            } else {
                try output.write((lastDrawn == nil ? "" : "\n") + text)
            }
            try output.flush()
            lastDrawn = clock.now
            reportedSinceDrawn = []
        }

        func drop(_ site: WatchedSite) {
            let label = site.label(showingHost: showingHost)
            shown.removeAll { $0 == label }
            samples[label] = nil
        }

        try await operations.stats(request, follow: true) { event in
            switch event {
            case .located(let sites, let hosts, let spansHosts, let leftOut):
                failures += SiteSelectionOptions.report(located: sites, hosts: hosts, leftOut: leftOut,
                                                        request: request, runningOnly: true)
                showingHost = spansHosts
                shown = sites.map { $0.label(showingHost: spansHosts) }
            case .value(let sample):
                if json {
                    try output.writeJSONLine(sample)
                    try output.flush()
                    return
                }
                let label = sample.label(showingHost: showingHost)
                // A site that started running since joins the table in its place.
                if !shown.contains(label) { shown = (shown + [label]).sorted() }
                samples[label] = sample
                reportedSinceDrawn.insert(label)
                // A table once every site has reported again, or every two seconds when one is slow to.
                let everySiteReported = reportedSinceDrawn.count >= shown.count
                if everySiteReported || lastDrawn.map({ clock.now - $0 >= .seconds(2) }) ?? false {
                    try draw()
                }
            case .ended(let site):
                drop(site)
                if !live { Console.status("berth: \(site.label(showingHost: showingHost)) stopped or was removed") }
            case .failed(let site, let message):
                drop(site)
                failures += 1
                Console.error("cannot read the resource use of \(site.label(showingHost: showingHost)): \(message)")
            }
        }
        return failures
    }

    private func table(_ samples: [String: SiteStatsSample], of labels: [String]) -> String {
        TextTable.render(SiteStatsTable.rows(labels.map { ($0, samples[$0]) }))
    }
}
