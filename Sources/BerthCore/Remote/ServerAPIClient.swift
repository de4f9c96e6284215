import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// The server's HTTP API as calls: JSON in, JSON out, problem details thrown as `BerthProblem`, and publish and
/// rollback progress read as the JSON lines `--json` prints.
public struct ServerAPIClient: Sendable {
    public let endpoint: RemoteEndpoint
    let client: HTTPClient

    public init(endpoint: RemoteEndpoint, client: HTTPClient? = nil) {
        self.endpoint = endpoint
        self.client = client ?? ServerTrust.client(caFile: endpoint.caFile)
    }

    public static let requestTimeout: TimeAmount = .seconds(120)
    /// A publish builds and checks an image: minutes on a slow host.
    public static let streamTimeout: TimeAmount = .hours(2)

    public func request(_ method: HTTPMethod, _ path: String, query: [String: String?] = [:]) -> HTTPClientRequest {
        var components = URLComponents(string: endpoint.url + path)
        let items = query.compactMap { key, value in value.map { URLQueryItem(name: key, value: $0) } }
        if !items.isEmpty { components?.queryItems = items.sorted { $0.name < $1.name } }
        var request = HTTPClientRequest(url: components?.string ?? endpoint.url + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
        request.headers.add(name: "User-Agent", value: "berth/\(BerthVersion.current)")
        return request
    }

    /// Sends `body` as JSON (when given) and decodes the answer.
    public func call<Answer: Decodable>(_ method: HTTPMethod, _ path: String, query: [String: String?] = [:],
                                        json body: (some Encodable)? = Optional<String>.none,
                                        as: Answer.Type = Answer.self) async throws -> Answer {
        var request = request(method, path, query: query)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try BerthJSON.encode(body)))
        }
        let response = try await send(request, timeout: Self.requestTimeout)
        let data = try await response.body.collect(upTo: 64 << 20)
        try Self.check(response, data)
        do {
            // A 204 has no body: an answer type with no fields reads it as {}.
            return try Self.decoder.decode(Answer.self, from: data.readableBytes == 0 ? Data("{}".utf8) : Data(data.readableBytesView))
        } catch {
            throw BerthProblem(.failed, "\(endpoint.url) answered \(method) \(path) with JSON berth cannot read: \(error)")
        }
    }

    /// A publish or rollback: the request's answer is a stream of progress lines ending in the result or an error.
    public func stream(_ request: HTTPClientRequest, events: @escaping Publisher.EventHandler) async throws
        -> PublishResult
    {
        let response = try await open(request, timeout: Self.streamTimeout)
        var result: PublishResult?
        try await forEachLine(of: response) { line in
            result = try Self.handle(line: line, events: events)
            return result == nil
        }
        if let result { return result }
        throw BerthProblem(.failed, "\(endedEarly); see `berth sites` for what runs")
    }

    /// `berth logs` or `berth stats` through the server: its JSON lines handed on as events until the server ends
    /// the answer (every site ended) or the calling task is cancelled, which closes the connection and so ends
    /// the server's reading too.
    public func watch<Value: Codable & Sendable>(_ request: HTTPClientRequest, follow: Bool,
                                                  _ handle: (SiteWatchEvent<Value>) throws -> Void) async throws {
        let response = try await open(request, timeout: follow ? Self.followTimeout : Self.streamTimeout)
        do {
            try await readWatch(response, handle)
        } catch where Task.isCancelled {
            // Ctrl-C: the connection is closed, which is how the server learns to stop.
            throw CancellationError()
        }
    }

    private func readWatch<Value: Codable & Sendable>(_ response: HTTPClientResponse,
                                                       _ handle: (SiteWatchEvent<Value>) throws -> Void) async throws {
        try await forEachLine(of: response) { line in
            let record: SiteWatchRecord<Value>
            do {
                record = try Self.decoder.decode(SiteWatchRecord<Value>.self, from: line)
            } catch {
                throw BerthProblem(.failed, "\(endpoint.url) sent a line berth cannot read: \(error)")
            }
            if let event = try record.watchEvent() { try handle(event) }
            return true
        }
    }

    /// Sends a request whose answer is read as it comes; an answer that is not a success is thrown as its problem.
    private func open(_ request: HTTPClientRequest, timeout: TimeAmount) async throws -> HTTPClientResponse {
        let response = try await send(request, timeout: timeout)
        guard response.status.code < 300 else {
            try Self.check(response, try await response.body.collect(upTo: 1 << 20))
            throw BerthProblem(.failed, "\(endpoint.url) answered \(response.status)")
        }
        return response
    }

    private var endedEarly: String { "\(endpoint.url) ended the answer before the result (the server may have stopped)" }

    /// How long a `--follow` may run: as long as the person keeps it open.
    public static let followTimeout: TimeAmount = .hours(24 * 365)

    /// Hands each non-empty line of the answer to `line` until it returns false or the answer ends.
    func forEachLine(of response: HTTPClientResponse, _ line: (Data) throws -> Bool) async throws {
        var pending = ByteBuffer()
        var chunks = response.body.makeAsyncIterator()
        while true {
            let next: ByteBuffer?
            do {
                next = try await chunks.next()
            } catch {
                // The connection closed mid-answer: the server was stopped or killed while it worked.
                throw BerthProblem(.failed, "\(endedEarly): \(error); see `berth sites` for what runs")
            }
            guard var chunk = next else { break }
            pending.writeBuffer(&chunk)
            while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - pending.readerIndex
                let text = pending.readSlice(length: length).map { Data($0.readableBytesView) } ?? Data()
                pending.moveReaderIndex(forwardBy: 1)
                // Empty lines are the server's keep-alives while nothing happens.
                if !text.isEmpty, try !line(text) { return }
            }
        }
    }

    /// Decodes one progress line: an event is handed on, a result returned, an error thrown.
    static func handle(line: Data, events: Publisher.EventHandler) throws -> PublishResult? {
        guard !line.isEmpty else { return nil }
        let record = try decoder.decode(PublishEventRecord.self, from: line)
        switch record.event {
        case "result":
            return try decoder.decode(PublishResult.self, from: line)
        case "error":
            throw BerthProblem(record.code.flatMap(BerthProblem.Code.init(rawValue:)) ?? .failed,
                               record.message ?? "the server reported a failure without a message")
        default:
            if let event = record.publishEvent { events(event) }
            return nil
        }
    }

    func send(_ request: HTTPClientRequest, timeout: TimeAmount) async throws -> HTTPClientResponse {
        do {
            return try await client.execute(request, timeout: timeout)
        } catch is NIOSSLError, is BoringSSLError, is NIOSSLExtraError {
            let trusted = endpoint.caFile.map { "the system's and \($0)" } ?? "the system's"
            throw BerthProblem(.failed, "the berth server \(endpoint.url) did not prove who it is: its certificate is "
                + "not signed by a CA berth trusts (\(trusted)) or does not name that host; if an operator's own CA "
                + "signed it, set \(ServerTrust.variable) to that CA's certificate (PEM)")
        } catch let error where !(error is CancellationError) {
            // Refused, reset, timed out, a name that does not resolve: the same advice for all of them.
            throw BerthProblem(.failed, "cannot reach the berth server \(endpoint.url): \(error); check the URL "
                + "(`berth login`, --remote or BERTH_REMOTE) and that the server runs")
        }
    }

    static func check(_ response: HTTPClientResponse, _ body: ByteBuffer) throws {
        guard response.status.code >= 400 else { return }
        if var problem = try? decoder.decode(BerthProblem.self, from: Data(body.readableBytesView)) {
            if let retry = response.headers.first(name: "Retry-After") {
                problem.detail += " (try again in \(retry) s)"
            }
            throw problem
        }
        throw BerthProblem(.failed, "the server answered \(response.status): "
            + String(decoding: body.readableBytesView.prefix(500), as: UTF8.self))
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}

extension PublishEventRecord {
    /// The event this line stands for, as the publish that printed it saw it; nil for `result`, `error` and
    /// `summary` lines and for events of a newer berth.
    public var publishEvent: PublishEvent? {
        let stage = self.stage.flatMap(PublishStage.init(rawValue:))
        switch event {
        case "stage":
            guard let stage else { return nil }
            return state == "finished" ? .stageFinished(stage, seconds: seconds ?? 0)
                : .stageStarted(stage, detail: detail ?? "")
        case "build-output": return .buildOutput(text ?? "")
        case "progress":
            guard let stage else { return nil }
            return .progress(stage, EngineProgress(id: id, status: status ?? "", current: current, total: total))
        case "pushed": return .pushed(reference: reference ?? "", digest: digest ?? "")
        case "up-to-date": return .upToDate(url: url ?? "")
        case "waiting-for-lock": return .waitingForLock(holder: holder ?? "")
        case "warning": return .warning(message ?? "")
        default: return nil
        }
    }
}
