import BerthCore
import Foundation

/// Shows a publish as it happens: JSON lines for CI, a live view on a terminal, plain lines otherwise.
/// Progress goes to standard error; standard output carries only the URL (or the JSON).
struct PublishOutput: Sendable {
    let json: Bool
    let live: Bool
    /// The site directory, when several sites are published at once: it prefixes every line.
    let sitePath: String?

    init(json: Bool, sitePath: String? = nil) {
        self.json = json
        self.sitePath = sitePath
        self.live = !json && sitePath == nil && Console.stderrIsTerminal
    }

    private func status(_ line: String) {
        Console.status(sitePath.map { "[\($0)] " + line } ?? line)
    }

    private func jsonLine(_ object: [String: Any]) {
        var object = object
        if let sitePath { object["sitePath"] = sitePath }
        Console.jsonLine(object)
    }

    func show(_ event: PublishEvent) {
        if json {
            jsonLine(Self.jsonObject(event))
            return
        }
        switch event {
        case .stageStarted(let stage, let detail):
            clearLiveLine()
            status("==> \(Self.title(stage)) \(detail)")
        case .stageFinished(let stage, let seconds):
            clearLiveLine()
            status("    \(stage.rawValue) done in \(String(format: "%.2f", seconds)) s")
        case .buildOutput(let text):
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                clearLiveLine()
                status("    \(line)")
            }
        case .progress(_, let progress):
            let text = [progress.id.map { "\($0):" }, progress.status, progress.progress].compactMap { $0 }.joined(separator: " ")
            if live {
                Console.writeError("\r\u{1B}[2K    " + String(text.prefix(110)))
            } else if progress.progress == nil {
                status("    \(text)")
            }
        case .pushed(let reference, let digest):
            clearLiveLine()
            status("    pushed \(reference) \(digest)")
        case .upToDate(let url):
            status("==> up to date: the running version already serves this content at \(url)")
        case .waitingForLock(let holder):
            clearLiveLine()
            status("==> waiting for another publish of this site to finish (\(holder))")
        case .warning(let message):
            clearLiveLine()
            status("berth: warning: \(message)")
        }
    }

    func finish(_ result: PublishResult) {
        if json {
            var object: [String: Any] = ["event": "result"]
            if let data = try? JSONEncoder().encode(result),
               let fields = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                object.merge(fields) { current, _ in current }
            }
            jsonLine(object)
            return
        }
        clearLiveLine()
        if !result.upToDate {
            status("==> \(result.user)/\(result.site) \(result.version) serves on \(result.host)")
        }
        // With several sites, standard output carries the summary table instead.
        if sitePath == nil {
            Console.writeOutput(result.url + "\n")
        }
    }

    /// One site of several failed; the others go on.
    func fail(_ error: Error) {
        if json {
            jsonLine(["event": "error", "message": "\(error)"])
        } else {
            status("berth: error: \(error)")
        }
    }

    private func clearLiveLine() {
        if live { Console.writeError("\r\u{1B}[2K") }
    }

    static func title(_ stage: PublishStage) -> String {
        switch stage {
        case .pack: "Packing"
        case .build: "Building"
        case .push: "Pushing to"
        case .pull: "Pulling"
        case .run: "Starting on"
        case .check: "Checking"
        }
    }

    static func jsonObject(_ event: PublishEvent) -> [String: Any] {
        switch event {
        case .stageStarted(let stage, let detail):
            return ["event": "stage", "stage": stage.rawValue, "state": "started", "detail": detail]
        case .stageFinished(let stage, let seconds):
            return ["event": "stage", "stage": stage.rawValue, "state": "finished", "seconds": seconds]
        case .buildOutput(let text):
            return ["event": "build-output", "text": text]
        case .progress(let stage, let progress):
            var object: [String: Any] = ["event": "progress", "stage": stage.rawValue, "status": progress.status]
            object["id"] = progress.id
            object["current"] = progress.current
            object["total"] = progress.total
            return object
        case .pushed(let reference, let digest):
            return ["event": "pushed", "reference": reference, "digest": digest]
        case .upToDate(let url):
            return ["event": "up-to-date", "url": url]
        case .waitingForLock(let holder):
            return ["event": "waiting-for-lock", "holder": holder]
        case .warning(let message):
            return ["event": "warning", "message": message]
        }
    }
}
