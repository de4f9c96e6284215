import BerthCore
import Foundation

/// Shows a publish as it happens: JSON lines for CI, a live view on a terminal, plain lines otherwise.
/// Progress goes to standard error; standard output carries only the URL (or the JSON).
struct PublishOutput: Sendable {
    let json: Bool
    let live: Bool

    init(json: Bool) {
        self.json = json
        self.live = !json && Console.stderrIsTerminal
    }

    func show(_ event: PublishEvent) {
        if json {
            Console.jsonLine(Self.jsonObject(event))
            return
        }
        switch event {
        case .stageStarted(let stage, let detail):
            clearLiveLine()
            Console.status("==> \(Self.title(stage)) \(detail)")
        case .stageFinished(let stage, let seconds):
            clearLiveLine()
            Console.status("    \(stage.rawValue) done in \(String(format: "%.2f", seconds)) s")
        case .buildOutput(let text):
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                clearLiveLine()
                Console.status("    \(line)")
            }
        case .progress(_, let progress):
            let text = [progress.id.map { "\($0):" }, progress.status, progress.progress].compactMap { $0 }.joined(separator: " ")
            if live {
                Console.writeError("\r\u{1B}[2K    " + String(text.prefix(110)))
            } else if progress.progress == nil {
                Console.status("    \(text)")
            }
        case .pushed(let reference, let digest):
            clearLiveLine()
            Console.status("    pushed \(reference) \(digest)")
        case .upToDate(let url):
            Console.status("==> up to date: the running version already serves this content at \(url)")
        case .waitingForLock(let holder):
            clearLiveLine()
            Console.status("==> waiting for another publish of this site to finish (\(holder))")
        case .warning(let message):
            clearLiveLine()
            Console.status("berth: warning: \(message)")
        }
    }

    func finish(_ result: PublishResult) {
        if json {
            var object: [String: Any] = ["event": "result"]
            if let data = try? JSONEncoder().encode(result),
               let fields = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                object.merge(fields) { current, _ in current }
            }
            Console.jsonLine(object)
            return
        }
        clearLiveLine()
        if !result.upToDate {
            Console.status("==> \(result.user)/\(result.site) \(result.version) serves on \(result.host)")
        }
        Console.writeOutput(result.url + "\n")
    }

    private func clearLiveLine() {
        if live { Console.writeError("\r\u{1B}[2K") }
    }

    static func title(_ stage: PublishStage) -> String {
        switch stage {
        case .pack: "Packing"
        case .build: "Building"
        case .push: "Pushing to"
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
