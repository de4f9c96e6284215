/// Polls a site's URL until it answers 200, or gives up with the last thing it saw.
struct ServeCheck {
    let probe: any SiteProbe
    let url: String
    let timeout: Duration
    /// Called between attempts; throwing ends the check at once (e.g. the container has exited).
    let stillWorthWaiting: @Sendable () async throws -> Void

    struct Failure: Error {
        var reason: String
    }

    /// A check of a container's URL that gives up as soon as the container is not simply running: it exited, or
    /// the engine is restarting it, or has restarted it (a crash loop looks like a running container between its
    /// crashes). The reason then quotes the server's `[emerg]` line when it wrote one.
    ///
    /// - Parameter restartsBefore: the container's restart count before it was started (an existing site's may
    ///   have been restarted long ago); only restarts beyond it count.
    static func whileRunning(_ id: String, engine: any ContainerEngine, probe: any SiteProbe, url: String,
                             timeout: Duration, restartsBefore: Int = 0) -> ServeCheck {
        ServeCheck(probe: probe, url: url, timeout: timeout) {
            guard let container = try await engine.inspectContainer(id) else {
                throw Failure(reason: "the container was removed")
            }
            let state = container.state
            let restarts = max(0, (container.restartCount ?? 0) - restartsBefore)
            guard !state.running || state.status == "restarting" || restarts > 0 else { return }
            var reason: String
            if state.status == "restarting" || restarts > 0 {
                reason = "the container keeps crashing (restarted \(restarts) time\(restarts == 1 ? "" : "s"); "
                    + "last exit code \(state.exitCode))"
            } else {
                reason = "the container stopped (exit code \(state.exitCode)"
                    + ((state.oomKilled ?? false) ? ", killed for running out of memory)" : ")")
            }
            if let emergency = await emergencyLine(of: id, engine: engine) { reason += ": \(emergency)" }
            throw Failure(reason: reason)
        }
    }

    /// The last line where the server said why it could not run (nginx's `[emerg]`), if any.
    static func emergencyLine(of id: String, engine: any ContainerEngine) async -> String? {
        await engine.lastLogLines(id, count: 50).last { $0.contains("[emerg]") }
    }

    /// What to tell a person about a failed check.
    static func reason(for error: any Error) -> String {
        (error as? Failure)?.reason ?? "\(error)"
    }

    static let missingPageHint = "the page is not there (without an index.html at the site's root, / has "
        + "nothing to serve); add an index.html, or set check_path in berth.yml to a page the site has"

    /// The URL the check asks: the site's URL (`http://HOST:PORT/`) with `path` (a validated `check_path`).
    static func url(_ siteURL: String, path: String?) -> String {
        guard let path, path != "/" else { return siteURL }
        return (siteURL.hasSuffix("/") ? String(siteURL.dropLast()) : siteURL) + path
    }

    /// The path part of a check URL, for messages.
    static func path(of url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        return rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? "/"
    }

    func run() async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var lastProblem = "no answer"
        // A server usually answers within a few hundred milliseconds of starting: ask often at first, then back
        // off to a quarter of a second.
        var pause = Duration.milliseconds(25)
        while clock.now < deadline {
            do {
                let (code, reason) = try await probe.get(url)
                if code == 200 { return }
                let answer = "it answered \(code) \(reason)"
                // A static server that answers, answers the same again: waiting out the check would not help.
                if code == 404 || code == 403 {
                    throw Failure(reason: answer + " for \(Self.path(of: url)): " + Self.missingPageHint)
                }
                lastProblem = answer
            } catch let failure as Failure {
                throw failure
            } catch {
                lastProblem = "\(error)"
            }
            try await stillWorthWaiting()
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(250))
        }
        throw Failure(reason: "no 200 within \(timeout.components.seconds) s; last: \(lastProblem)")
    }
}
