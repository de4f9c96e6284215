import BerthCore
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Shows publishes (and rollbacks) as they happen: JSON lines for CI; for people, one line per stage with bytes
/// and rate, rewritten in place on a terminal and printed as plain lines at each stage's start and end otherwise.
/// The build's own output is held back and shown only with `--verbose`, or in full when the publish fails.
/// Progress goes to standard error; standard output carries only the URL (or the JSON).
final class PublishOutput: Sendable {
    let json: Bool
    let verbose: Bool
    /// One line rewritten in place: a terminal, and a single site (several sites' lines would interleave).
    let live: Bool

    private struct SiteState {
        var stage: StageProgress?
        var buildOutput: [String] = []
        var lastDrawn: ContinuousClock.Instant?
    }

    private let sites = Mutex<[String: SiteState]>([:])
    private let clock = ContinuousClock()

    init(json: Bool, verbose: Bool, several: Bool = false) {
        self.json = json
        self.verbose = verbose
        live = !json && !several && Console.stderrIsTerminal
    }

    /// `sitePath` is given when several sites are published at once: it prefixes (or, in JSON, marks) each line.
    func show(_ event: PublishEvent, sitePath: String? = nil) {
        if json {
            try? Console.jsonLine(PublishEventRecord(event, sitePath: sitePath))
            return
        }
        let now = clock.now
        sites.withLock { sites in
            var site = sites[sitePath ?? "", default: SiteState()]
            defer { sites[sitePath ?? ""] = site }
            switch event {
            case .stageStarted(let stage, let detail):
                clearLiveLine()
                site.stage = StageProgress(stage: stage, detail: detail, started: now)
                if live {
                    draw(&site, now: now)
                } else {
                    status("==> \(Self.title(stage)) \(detail)", sitePath)
                }
            case .stageFinished(let stage, let seconds):
                let figures = site.stage.flatMap { $0.stage == stage ? $0.figures(at: now) : nil }
                let timing = "in \(String(format: "%.2f", seconds)) s" + (figures.map { " (\($0))" } ?? "")
                clearLiveLine()
                if live, let progress = site.stage {
                    status("==> \(Self.title(stage)) \(progress.detail): done \(timing)", sitePath)
                } else {
                    status("    \(Self.done(stage)) \(timing)", sitePath)
                }
                site.stage = nil
            case .buildOutput(let text):
                site.buildOutput.append(text)
                site.stage?.recordBuildOutput(text)
                if verbose {
                    clearLiveLine()
                    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                        status("    \(line)", sitePath)
                    }
                }
                if live { draw(&site, now: now) }
            case .progress(let stage, let progress):
                guard site.stage?.stage == stage else { return }
                site.stage?.record(progress, at: now)
                if live && site.lastDrawn.map({ now - $0 >= .milliseconds(100) }) ?? true {
                    draw(&site, now: now)
                }
            case .pushed(let reference, let digest):
                clearLiveLine()
                status("    pushed \(reference) \(digest)", sitePath)
                if live { draw(&site, now: now) }
            case .upToDate(let url):
                clearLiveLine()
                status("==> up to date: the running version already serves this content at \(url)", sitePath)
            case .waitingForLock(let holder):
                clearLiveLine()
                status("==> waiting for another publish of this site to finish (\(holder))", sitePath)
            case .warning(let message):
                clearLiveLine()
                status("berth: warning: \(message)", sitePath)
                if live { draw(&site, now: now) }
            case .imagePath(let choice):
                clearLiveLine()
                let path = choice.path == .delta ? "one layer of the changes" : "full build"
                status("    \(path): \(choice.reason)", sitePath)
                if live { draw(&site, now: now) }
            }
        }
    }

    func finish(_ result: PublishResult, sitePath: String? = nil) {
        if json {
            try? Console.jsonLine(PublishResultRecord(result, sitePath: sitePath))
            return
        }
        clearLiveLine()
        if !result.upToDate {
            status("==> \(result.user)/\(result.site) \(result.version) serves on \(result.host)", sitePath)
        }
        // With several sites, standard output carries the summary table instead.
        if sitePath == nil {
            Console.writeOutput(result.url + "\n")
        }
    }

    /// One site of several failed; the others go on.
    func fail(_ error: Error, sitePath: String) {
        if json {
            try? Console.jsonLine(PublishEventRecord.error("\(error)", sitePath: sitePath))
            return
        }
        showHeldBuildOutput(sitePath: sitePath)
        status("berth: error: \(error)", sitePath)
    }

    /// The publish failed: the build's own output, held back so far, is shown in full (it usually says why).
    func showHeldBuildOutput(sitePath: String? = nil) {
        guard !json, !verbose else { return }
        let held = sites.withLock { sites in
            defer { sites[sitePath ?? ""]?.buildOutput = [] }
            return sites[sitePath ?? ""]?.buildOutput ?? []
        }
        guard !held.isEmpty else { return }
        clearLiveLine()
        status("--- the build's output", sitePath)
        for line in held.joined().split(separator: "\n", omittingEmptySubsequences: true) {
            status("    \(line)", sitePath)
        }
        status("---", sitePath)
    }

    private func status(_ line: String, _ sitePath: String?) {
        Console.status(sitePath.map { "[\($0)] " + line } ?? line)
    }

    private func draw(_ site: inout SiteState, now: ContinuousClock.Instant) {
        guard let progress = site.stage else { return }
        let figures = progress.figures(at: now).map { ": \($0)" } ?? " …"
        let line = "==> \(Self.title(progress.stage)) \(progress.detail)\(figures)"
        Console.writeError("\r\u{1B}[2K" + String(line.prefix(Self.terminalWidth - 1)))
        site.lastDrawn = now
    }

    private func clearLiveLine() {
        if live { Console.writeError("\r\u{1B}[2K") }
    }

    private static let terminalWidth: Int = {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 else { return 100 }
        return Int(size.ws_col)
    }()

    /// What each stage does, as the line before its detail says it. `pack` reads the site once to learn its digest
    /// (and whether anything changed); the tar is made again, and sent, while the image builds.
    /// What a finished stage did, for the line that ends it where lines are not rewritten.
    static func done(_ stage: PublishStage) -> String {
        switch stage {
        case .pack: "read"
        case .build: "sent and built"
        case .push: "pushed"
        case .pull: "pulled"
        case .run: "started"
        case .check: "answered"
        }
    }

    static func title(_ stage: PublishStage) -> String {
        switch stage {
        case .pack: "Reading"
        case .build: "Sending and building"
        case .push: "Pushing to"
        case .pull: "Pulling"
        case .run: "Starting on"
        case .check: "Checking"
        }
    }
}
