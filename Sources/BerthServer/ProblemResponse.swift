import BerthCore
import Foundation
import Hummingbird

/// Every failure leaves the server as RFC 9457 problem details carrying the message the CLI would print.
enum ProblemResponse {
    /// The problem an error of the local operations stands for.
    static func problem(for error: any Error) -> BerthProblem {
        switch error {
        case let problem as BerthProblem: return problem
        case let error as SiteLookupError:
            if case .notFound = error { return BerthProblem(.notFound, "\(error)") }
            return BerthProblem(.conflict, "\(error)")
        case let error as SiteHostSearchError:
            if case .notFound = error { return BerthProblem(.notFound, "\(error)") }
            return BerthProblem(.conflict, "\(error)")
        case let error as SiteSelectionError:
            return BerthProblem(.conflict, "\(error)")
        case let error as DeployLockError:
            if case .busy = error { return BerthProblem(.lockBusy, "\(error)") }
            return BerthProblem(.failed, "\(error)")
        case is ConfigFileError, is SiteNameError, is SiteError:
            return BerthProblem(.usage, "\(error)")
        case let error as PublishError:
            switch error {
            case .checkFailed, .startFailed: return BerthProblem(.siteFailed, "\(error)")
            default: return BerthProblem(.failed, "\(error)")
            }
        case let error as SiteOperationError:
            if case .notServing = error { return BerthProblem(.siteFailed, "\(error)") }
            return BerthProblem(.failed, "\(error)")
        case let error as EngineError:
            return problem(forEngine: error)
        case let error as HTTPError:
            return BerthProblem(error.status == .notFound ? .notFound : .usage, error.body ?? "\(error.status)")
        case is CancellationError:
            return BerthProblem(.failed, "cancelled")
        default:
            return BerthProblem(.failed, "\(error)")
        }
    }

    /// A build step that failed is the site's failure; an engine that cannot be reached is the gateway's.
    static func problem(forEngine error: EngineError) -> BerthProblem {
        switch error {
        case .inBand(let operation, _) where operation.hasPrefix("build"):
            return BerthProblem(.siteFailed, "\(error)")
        case .unreachable, .tls, .timeout, .connectionLost, .notAnEngine:
            return BerthProblem(.engineUnreachable, EngineFaultForClients.message(for: error))
        default:
            return BerthProblem(.failed, "\(error)")
        }
    }

    static func response(_ problem: BerthProblem, retryAfter: Int? = nil) -> Response {
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        let data = (try? BerthJSON.encode(problem)) ?? Data()
        return Response(status: .init(code: problem.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(data: data)))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(data: try BerthJSON.encode(value))))
    }
}

/// Turns whatever a route throws into a problem response.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let retry as RetryLater {
            return ProblemResponse.response(retry.problem, retryAfter: retry.seconds)
        } catch {
            let problem = ProblemResponse.problem(for: error)
            if problem.code == .engineUnreachable {
                context.logger.warning("\(request.method) \(request.uri.path): \(error)")
            }
            return ProblemResponse.response(problem)
        }
    }
}

/// A refusal that the client may retry after `seconds` (HTTP 423 and 429 with `Retry-After`).
struct RetryLater: Error {
    var problem: BerthProblem
    var seconds: Int
}
