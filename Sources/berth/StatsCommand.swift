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

    func run() async throws {
        try await reportingErrors {
            try global.bootstrapLogging()
            let selection = try await self.selection.selection(siteNames: sites.map(\.value), runningOnly: true)
            var failures = 0
            let located = try await self.selection.locate(selection, failures: &failures)
            guard !located.isEmpty else {
                if failures > 0 { throw ExitStatus.failure }
                return
            }
            let reader = SiteStatsReader(sites: located, selection: once ? nil : selection)
            let view = StatsView(sites: located, showingHost: selection.spansHosts, json: json,
                                 live: !json && isatty(STDOUT_FILENO) == 1)
            if once {
                failures += try view.show(await reader.sampleOnce())
            } else {
                failures += try await Interruption.cancellingOnSignal {
                    try await view.follow(reader)
                } ?? 0
            }
            if failures > 0 { throw ExitStatus.failure }
        }
    }
}

/// Shows stats samples: JSON lines, a table redrawn in place on a terminal, or a table per round otherwise.
struct StatsView: Sendable {
    let sites: [LocatedSite]
    let showingHost: Bool
    let json: Bool
    let live: Bool

    /// Shows one sample per site; returns how many sites could not be read.
    func show(_ events: [SiteStreamEvent<SiteStatsSample>]) throws -> Int {
        let output = try LineOutput(appendingTo: nil)
        var samples: [String: SiteStatsSample] = [:]
        var failures = 0
        for event in events {
            switch event {
            case .value(let sample):
                if json { try output.writeJSONLine(sample) }
                samples[sample.label(showingHost: showingHost)] = sample
            case .ended(let site):
                Console.status("berth: \(site.label(showingHost: showingHost)) is gone: its container was removed")
            case .failed(let site, let error):
                failures += 1
                Console.error("cannot read the resource use of \(site.label(showingHost: showingHost)): \(error)")
            }
        }
        if !json { try output.write(table(samples, of: sites.map { $0.label(showingHost: showingHost) })) }
        try output.flush()
        return failures
    }

    /// Follows every site until all have ended or the task is cancelled; returns how many could not be read.
    func follow(_ reader: SiteStatsReader) async throws -> Int {
        let output = try LineOutput(appendingTo: nil)
        let clock = ContinuousClock()
        var shown = sites.map { $0.label(showingHost: showingHost) }
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

        func drop(_ site: LocatedSite) {
            let label = site.label(showingHost: showingHost)
            shown.removeAll { $0 == label }
            samples[label] = nil
        }

        try await reader.follow { event in
            switch event {
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
            case .failed(let site, let error):
                drop(site)
                failures += 1
                Console.error("cannot read the resource use of \(site.label(showingHost: showingHost)): \(error)")
            }
        }
        return failures
    }

    private func table(_ samples: [String: SiteStatsSample], of labels: [String]) -> String {
        TextTable.render(SiteStatsTable.rows(labels.map { ($0, samples[$0]) }))
    }
}
