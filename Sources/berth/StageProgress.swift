import BerthCore

/// How far one stage of a publish has got, as one line for people: bytes moved of how many, and the rate.
/// A pure value: the renderer feeds it events and asks for the line, passing the time in.
struct StageProgress {
    let stage: PublishStage
    let detail: String
    let started: ContinuousClock.Instant

    /// Each layer of a push or pull (or of a base image the build pulls), by its ID.
    private var layers: [String: (current: Int64, total: Int64?, done: Bool)] = [:]
    /// The build context sent to the engine, and when its last bytes went (the rate is of the sending, not of
    /// the build that follows).
    private var sent: (current: Int64, total: Int64?)?
    private var lastMoved: ContinuousClock.Instant?
    /// The build's last "Step N/M", which says how far it is without showing its output.
    private(set) var step: String?

    /// Layer states after which a layer has moved all its bytes.
    private static let finishedLayerStates: Set<String> = [
        "Pushed", "Layer already exists", "Pull complete", "Download complete", "Already exists", "Mounted from",
    ]

    init(stage: PublishStage, detail: String, started: ContinuousClock.Instant) {
        self.stage = stage
        self.detail = detail
        self.started = started
    }

    mutating func record(_ progress: EngineProgress, at now: ContinuousClock.Instant) {
        if progress.status == EngineProgress.sendingContext {
            if progress.current != sent?.current { lastMoved = now }
            sent = (progress.current ?? 0, progress.total)
            return
        }
        guard let id = progress.id else { return }
        var layer = layers[id] ?? (current: 0, total: nil, done: false)
        if let total = progress.total, total > 0 { layer.total = total }
        if let current = progress.current { layer.current = current }
        if Self.finishedLayerStates.contains(where: { progress.status.hasPrefix($0) }) {
            layer.done = true
            if let total = layer.total { layer.current = total }
        }
        if layers[id]?.current != layer.current { lastMoved = now }
        layers[id] = layer
    }

    mutating func recordBuildOutput(_ text: String) {
        for line in text.split(separator: "\n") where line.hasPrefix("Step ") {
            step = line.split(separator: " ").dropFirst().first.map { "step \($0)" }
        }
    }

    /// "12.3 MiB of 20 MiB, 8.1 MiB/s, 2 of 3 layers", or nil when nothing has moved yet.
    func figures(at now: ContinuousClock.Instant) -> String? {
        var parts: [String] = []
        let moved: (current: Int64, total: Int64?)?
        if let sent {
            moved = sent
        } else if !layers.isEmpty {
            let totals = layers.values.compactMap { $0.total }
            moved = (layers.values.map { $0.current }.reduce(0, +),
                     totals.count == layers.count ? totals.reduce(0, +) : nil)
        } else {
            moved = nil
        }
        if let moved, moved.current > 0 || moved.total != nil {
            let amount = ReadableUnits.bytes(moved.current)
            parts.append(moved.total.map { "\(amount) of \(ReadableUnits.bytes($0))" } ?? amount)
            let seconds = Self.seconds(min(now, lastMoved ?? now) - started)
            if seconds >= 0.01 && moved.current > 0 {
                parts.append(ReadableUnits.bytes(Int64(Double(moved.current) / seconds)) + "/s")
            }
        }
        if sent == nil && layers.count > 1 {
            let done = layers.values.filter(\.done).count
            parts.append("\(done) of \(layers.count) layers")
        }
        if let step { parts.append(step) }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
