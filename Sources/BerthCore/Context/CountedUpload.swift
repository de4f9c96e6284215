import NIOCore

/// A build context on its way to the engine, reporting how many bytes have gone: to `report` after the first
/// chunk, then at most every `interval`, and once at the end.
public struct CountedUpload<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    public typealias Element = ByteBuffer

    let base: Base
    let interval: Duration
    let report: @Sendable (_ sentBytes: Int64) -> Void

    public init(_ base: Base, interval: Duration = .milliseconds(250),
                report: @escaping @Sendable (_ sentBytes: Int64) -> Void) {
        self.base = base
        self.interval = interval
        self.report = report
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let interval: Duration
        let report: @Sendable (Int64) -> Void
        var sent: Int64 = 0
        var lastReport: ContinuousClock.Instant?

        public mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else {
                report(sent)
                return nil
            }
            sent += Int64(chunk.readableBytes)
            let now = ContinuousClock.now
            if lastReport.map({ now - $0 >= interval }) ?? true {
                lastReport = now
                report(sent)
            }
            return chunk
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), interval: interval, report: report)
    }
}
