import AsyncHTTPClient
import NIOCore

/// Polls a site's URL until it answers 200, or gives up with the last thing it saw.
struct ServeCheck {
    let client: HTTPClient
    let url: String
    let timeout: Duration
    /// Called between attempts; throwing ends the check at once (e.g. the container has exited).
    let stillWorthWaiting: @Sendable () async throws -> Void

    struct Failure: Error {
        var reason: String
    }

    /// A check of a container's URL that gives up as soon as the container has stopped.
    static func whileRunning(_ id: String, engine: DockerEngine, client: HTTPClient, url: String, timeout: Duration)
        -> ServeCheck
    {
        ServeCheck(client: client, url: url, timeout: timeout) {
            guard let state = try await engine.inspectContainer(id)?.state, !state.running else { return }
            throw Failure(reason: "the container stopped (exit code \(state.exitCode)"
                + ((state.oomKilled ?? false) ? ", killed for running out of memory)" : ")"))
        }
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
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            do {
                let response = try await client.execute(request, timeout: .seconds(3))
                _ = try await response.body.collect(upTo: 16 * 1024 * 1024)
                if response.status == .ok { return }
                let answer = "it answered \(response.status.code) \(response.status.reasonPhrase)"
                // A static server that answers, answers the same again: waiting out the check would not help.
                if response.status == .notFound || response.status == .forbidden {
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
