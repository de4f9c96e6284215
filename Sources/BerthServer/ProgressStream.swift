import BerthCore
import Foundation
import Hummingbird

/// A publish or rollback answered as JSON lines while it runs: the same lines `publish --json` prints, ending in
/// the result or an error line with the problem's code. The operation runs in a task of its own, so a client that
/// goes away mid-publish never cuts it off halfway; `finished` runs once it has ended, whatever the client did,
/// and before the answer ends.
enum ProgressStream {
    static func response(
        rewriting hidden: String? = nil,
        operation: @escaping @Sendable (@escaping Publisher.EventHandler) async throws -> PublishResult,
        finished: @escaping @Sendable (Result<PublishResult, any Error>) async -> Void
    ) -> Response {
        let (lines, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(10_000))
        Task {
            let events: Publisher.EventHandler = { event in
                var record = PublishEventRecord(event)
                if let hidden {
                    record.detail = record.detail?.replacingOccurrences(of: hidden, with: "upload")
                    record.message = record.message?.replacingOccurrences(of: hidden, with: "upload")
                }
                if let line = try? BerthJSON.line(record) { continuation.yield(line) }
            }
            let result = await Result<PublishResult, any Error> { try await operation(events) }
            switch result {
            case .success(let published):
                if let line = try? BerthJSON.line(PublishResultRecord(published)) { continuation.yield(line) }
            case .failure(let error):
                let problem = ProblemResponse.problem(for: error)
                var message = problem.detail
                if let hidden { message = message.replacingOccurrences(of: hidden, with: "upload") }
                if let line = try? BerthJSON.line(PublishEventRecord.error(message, code: problem.code.rawValue)) {
                    continuation.yield(line)
                }
            }
            // The answer ends only once the publish is recorded and the site let go of: a client that reads the
            // audit log, or publishes again, right after it finds both done.
            await finished(result)
            continuation.finish()
        }
        return Response(status: .ok, headers: [.contentType: "application/jsonl"], body: ResponseBody { writer in
            for await line in lines {
                try await writer.write(ByteBuffer(string: line))
            }
            try await writer.finish(nil)
        })
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
