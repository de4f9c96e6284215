import BerthCore
import Foundation
import Hummingbird
import Logging

/// A watch (logs or stats) answered as JSON lines while it runs. The sites are found before the answer starts,
/// so that a site that is not the caller's is a plain 404; then each event is a line. The watch runs in a task
/// of its own that ends when the client goes away: a write to a closed connection fails, and while following,
/// an empty line every `keepAlive` makes sure one is written even when the sites are quiet. So no engine stream
/// outlives its client by more than that.
enum WatchStream {
    static let keepAlive = Duration.seconds(2)
    /// Lines waiting for a slow client. Beyond this the watch ends with an error line rather than hold more or
    /// drop lines unsaid.
    static let bufferedLines = 100_000

    static func response<Value: Codable & Sendable>(
        following: Bool, logger: Logger, what: String,
        operation: @escaping @Sendable ((SiteWatchEvent<Value>) throws -> Void) async throws -> Void
    ) async throws -> Response {
        let (lines, lineFeed) = AsyncStream.makeStream(of: String.self,
                                                       bufferingPolicy: .bufferingOldest(bufferedLines))
        let overflow = Overflow()
        // The first element: nil once the sites are found, or the error that came before.
        let (start, startFeed) = AsyncStream.makeStream(of: (any Error)?.self)
        let task = Task {
            var located = false
            do {
                try await operation { event in
                    var event = event
                    if case .located(let sites, let hosts, let spansHosts, let leftOut) = event, !leftOut.isEmpty {
                        event = .located(sites: sites, hosts: hosts, spansHosts: spansHosts,
                                         leftOut: EngineFaultForClients.forClients(leftOut, doing: "watching \(what)",
                                                                                   logger: logger))
                    }
                    if case .dropped = lineFeed.yield(try BerthJSON.line(SiteWatchRecord(event))) {
                        throw overflow.happened()
                    }
                    if !located {
                        located = true
                        startFeed.yield(nil)
                    }
                }
            } catch {
                if located {
                    let problem = ProblemResponse.problem(for: error)
                    if !(error is CancellationError), overflow.problem == nil,
                       let line = try? BerthJSON.line(SiteWatchRecord<Value>.error(problem)) {
                        lineFeed.yield(line)
                    }
                } else {
                    startFeed.yield(error)
                }
            }
            startFeed.finish()
            lineFeed.finish()
            logger.info("stopped watching \(what)\(Task.isCancelled ? " (the client went away)" : "")")
        }
        lineFeed.onTermination = { _ in task.cancel() }
        for await failure in start {
            if let failure { throw failure }
            break
        }
        return Response(status: .ok, headers: [.contentType: "application/jsonl"], body: ResponseBody { writer in
            try await withThrowingTaskGroup(of: Void.self) { group in
                if following {
                    group.addTask {
                        while !Task.isCancelled {
                            try? await Task.sleep(for: keepAlive)
                            lineFeed.yield("\n")
                        }
                    }
                }
                do {
                    for await line in lines {
                        try await writer.write(ByteBuffer(string: line))
                    }
                    if let problem = overflow.problem {
                        try await writer.write(ByteBuffer(string: try BerthJSON.line(SiteWatchRecord<Value>.error(problem))))
                    }
                } catch {
                    task.cancel()
                    group.cancelAll()
                    throw error
                }
                group.cancelAll()
            }
            try await writer.finish(nil)
        })
    }
}

/// Set when a client read so slowly that `WatchStream.bufferedLines` lines waited for it.
private final class Overflow: @unchecked Sendable {
    private let lock = NSLock()
    private var value: BerthProblem?

    var problem: BerthProblem? { lock.withLock { value } }

    func happened() -> BerthProblem {
        let problem = BerthProblem(.failed, "the client read too slowly: \(WatchStream.bufferedLines) lines waited "
            + "for it, so the server stopped; use --tail or --since to ask for fewer")
        lock.withLock { value = problem }
        return problem
    }
}
