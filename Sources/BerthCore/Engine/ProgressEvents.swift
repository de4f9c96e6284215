/// A progress line from a pull, push or a build's base-image pull: a layer's status and how far it has got.
public struct EngineProgress: Sendable, Equatable {
    /// The layer or image the line is about, if any.
    public var id: String?
    /// "Pulling fs layer", "Pushing", "Pushed", "Digest: sha256:…" and the like.
    public var status: String
    /// The daemon's own progress bar text, if any.
    public var progress: String?
    public var current: Int64?
    public var total: Int64?

    /// The status of berth's own progress while the build context is sent to the engine.
    public static let sendingContext = "Sending build context"

    public init(id: String?, status: String, progress: String? = nil, current: Int64? = nil, total: Int64? = nil) {
        self.id = id
        self.status = status
        self.progress = progress
        self.current = current
        self.total = total
    }
}

public enum BuildEvent: Sendable, Equatable {
    /// Output of the build steps, as the daemon sends it (usually ending in a newline).
    case output(String)
    /// Progress of pulling a base image.
    case progress(EngineProgress)
    /// The build finished and produced this image (`sha256:…`).
    case built(imageID: String)
}

public enum PushEvent: Sendable, Equatable {
    case progress(EngineProgress)
    /// The registry holds the tag under this digest.
    case pushed(tag: String, digest: String, size: Int64?)
}

public enum PullEvent: Sendable, Equatable {
    case progress(EngineProgress)
}
