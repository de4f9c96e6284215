/// Work on many items at once, but at most `width` at a time: the next starts as one ends.
enum BoundedFanOut {
    /// `work` for every item; the answers in the order of `items`.
    static func map<Item: Sendable, Answer: Sendable>(
        _ items: [Item], width: Int, _ work: @escaping @Sendable (Item) async -> Answer
    ) async -> [Answer] {
        await withTaskGroup(of: (Int, Answer).self) { group in
            var answers: [Answer?] = Array(repeating: nil, count: items.count)
            var next = 0
            func startNext() {
                guard next < items.count else { return }
                let (index, item) = (next, items[next])
                next += 1
                group.addTask { (index, await work(item)) }
            }
            for _ in 0..<max(1, width) { startNext() }
            for await (index, answer) in group {
                answers[index] = answer
                startNext()
            }
            return answers.compactMap { $0 }
        }
    }
}
