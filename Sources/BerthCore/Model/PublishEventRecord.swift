/// One JSON line of a publish or rollback's progress (`"event"`: `stage`, `build-output`, `progress`, `pushed`,
/// `up-to-date`, `waiting-for-lock`, `warning`); the fields that do not apply to an event are left out.
public struct PublishEventRecord: Sendable, Codable, Equatable {
    public var event: String
    /// The site directory, when several sites are published at once.
    public var sitePath: String?
    public var stage: String?
    public var state: String?
    public var detail: String?
    public var seconds: Double?
    public var text: String?
    public var status: String?
    public var id: String?
    public var current: Int64?
    public var total: Int64?
    public var reference: String?
    public var digest: String?
    public var url: String?
    public var holder: String?
    public var message: String?
    /// `image-path`: `delta` or `full`, and `reason`.
    public var path: String?
    public var reason: String?
    /// On an `error` line from the server: the problem's code (see `BerthProblem.Code`).
    public var code: String?

    public init(event: String, sitePath: String? = nil) {
        self.event = event
        self.sitePath = sitePath
    }

    public init(_ publishEvent: PublishEvent, sitePath: String? = nil) {
        switch publishEvent {
        case .stageStarted(let stage, let detail):
            self.init(event: "stage", sitePath: sitePath)
            (self.stage, state, self.detail) = (stage.rawValue, "started", detail)
        case .stageFinished(let stage, let seconds):
            self.init(event: "stage", sitePath: sitePath)
            (self.stage, state, self.seconds) = (stage.rawValue, "finished", seconds)
        case .buildOutput(let text):
            self.init(event: "build-output", sitePath: sitePath)
            self.text = text
        case .progress(let stage, let progress):
            self.init(event: "progress", sitePath: sitePath)
            (self.stage, status, id, current, total) =
                (stage.rawValue, progress.status, progress.id, progress.current, progress.total)
        case .pushed(let reference, let digest):
            self.init(event: "pushed", sitePath: sitePath)
            (self.reference, self.digest) = (reference, digest)
        case .upToDate(let url):
            self.init(event: "up-to-date", sitePath: sitePath)
            self.url = url
        case .waitingForLock(let holder):
            self.init(event: "waiting-for-lock", sitePath: sitePath)
            self.holder = holder
        case .warning(let message):
            self.init(event: "warning", sitePath: sitePath)
            self.message = message
        case .imagePath(let choice):
            self.init(event: "image-path", sitePath: sitePath)
            (path, reason) = (choice.path.rawValue, choice.reason)
        }
    }

    /// The line that ends a failed command: `{"event": "error", "message"}`.
    public static func error(_ message: String, sitePath: String? = nil, code: String? = nil) -> PublishEventRecord {
        var record = PublishEventRecord(event: "error", sitePath: sitePath)
        record.message = message
        record.code = code
        return record
    }
}
