/// The steps of a publish, in order.
public enum PublishStage: String, Sendable, Codable, CaseIterable {
    case pack, build, push, pull, run, check
}

/// Progress of a publish, as it happens, for the CLI to render (terminal, plain lines or JSON lines).
public enum PublishEvent: Sendable {
    case stageStarted(PublishStage, detail: String)
    case stageFinished(PublishStage, seconds: Double)
    /// A line of the image build's own output.
    case buildOutput(String)
    /// Layer progress while pulling a base image or pushing.
    case progress(PublishStage, EngineProgress)
    case pushed(reference: String, digest: String)
    case upToDate(url: String)
    /// Another publish or rollback of the site holds its lock; this one waits.
    case waitingForLock(holder: String)
    case warning(String)
    /// How the image is made (one delta layer or the full build), and why.
    case imagePath(ImagePathChoice)
}

/// What a publish did, for people and for CI (`--json`).
public struct PublishResult: Sendable, Codable, Equatable {
    public var host: String
    public var user: String
    public var site: String
    public var containerID: String
    public var containerName: String
    public var image: String
    public var digest: String
    public var version: String
    public var url: String
    public var memoryLimit: Int64
    /// True when the site already ran this exact content and nothing was done.
    public var upToDate: Bool
    /// Seconds each stage took.
    public var stageSeconds: [String: Double]
    /// Versions whose images were removed because more than `--keep` versions were kept.
    public var removedVersions: [String] = []
    /// Seconds the site did not answer while the previous version handed over to the new one (from stopping the
    /// previous container to the new one's first 200 on the site's port); nil when no previous version ran.
    public var switchSeconds: Double? = nil
    /// How the image was made (`delta` or `full`) and why; nil when nothing was made (up to date).
    public var imagePath: ImagePathChoice? = nil
}
