/// Holds followed log lines for a short window so that lines from several containers come out in the order
/// Docker stamped them, not merely the order they happened to arrive in.
///
/// Each item waits `window` after its arrival. When an item's wait is over, it is released together with every
/// held item stamped no later than it, in stamp order (equal stamps in arrival order). An item stamped earlier
/// than one already released (it arrived more than `window` after a later-stamped one) is released at the next
/// call, out of order but never dropped.
struct LogReorderBuffer<Item> {
    private struct Held {
        var time: LogTime
        var sequence: Int
        var arrival: ContinuousClock.Instant
        var item: Item
    }

    let window: Duration
    /// Sorted by time, then by arrival.
    private var held: [Held] = []
    private var arrivals = 0
    private var releasedUpTo = LogTime.distantPast

    init(window: Duration) {
        self.window = window
    }

    var isEmpty: Bool { held.isEmpty }

    mutating func insert(_ item: Item, time: LogTime, arrivedAt arrival: ContinuousClock.Instant) {
        let entry = Held(time: time, sequence: arrivals, arrival: arrival, item: item)
        arrivals += 1
        // Later arrivals with an equal stamp go after the earlier ones.
        var low = 0
        var high = held.count
        while low < high {
            let middle = (low + high) / 2
            if held[middle].time <= time { low = middle + 1 } else { high = middle }
        }
        held.insert(entry, at: low)
    }

    /// The items whose time has come at `now`, in order.
    mutating func release(now: ContinuousClock.Instant) -> [Item] {
        var threshold = releasedUpTo
        for entry in held where now - entry.arrival >= window && entry.time > threshold {
            threshold = entry.time
        }
        let count = held.prefix { $0.time <= threshold }.count
        guard count > 0 else { return [] }
        releasedUpTo = max(releasedUpTo, held[count - 1].time)
        defer { held.removeFirst(count) }
        return held.prefix(count).map(\.item)
    }

    /// Everything still held, in order: the streams have ended.
    mutating func drain() -> [Item] {
        defer { held.removeAll() }
        if let last = held.last { releasedUpTo = max(releasedUpTo, last.time) }
        return held.map(\.item)
    }
}
