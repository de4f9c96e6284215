import Foundation
import NIOCore

/// Hands byte chunks from a producer thread (which blocks while the consumer is behind) to an async consumer.
/// This is the backpressure between libarchive's synchronous writer and whoever reads the context: memory
/// holds at most `capacity` chunks, whatever the size of the site.
final class ChunkChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffered: [ByteBuffer] = []
    private var waiting: CheckedContinuation<ByteBuffer?, Error>?
    private var outcome: Result<Void, Error>?
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Blocks the producer while `capacity` chunks wait. Returns false once the consumer has gone away.
    func send(_ chunk: ByteBuffer) -> Bool {
        condition.lock()
        while buffered.count >= capacity && !cancelled {
            condition.wait()
        }
        if cancelled {
            condition.unlock()
            return false
        }
        if let consumer = waiting {
            waiting = nil
            condition.unlock()
            consumer.resume(returning: chunk)
            return true
        }
        buffered.append(chunk)
        condition.unlock()
        return true
    }

    /// Ends the stream, with an error if production failed. Chunks already sent are still delivered first.
    func finish(_ result: Result<Void, Error>) {
        condition.lock()
        guard outcome == nil else {
            condition.unlock()
            return
        }
        outcome = result
        let consumer = waiting
        waiting = nil
        condition.unlock()
        consumer.map { Self.deliverEnd(result, to: $0) }
    }

    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    func cancel() {
        condition.lock()
        cancelled = true
        let consumer = waiting
        waiting = nil
        condition.broadcast()
        condition.unlock()
        consumer?.resume(throwing: CancellationError())
    }

    func next() async throws -> ByteBuffer? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ByteBuffer?, Error>) in
                condition.lock()
                if !buffered.isEmpty {
                    // At most `capacity` chunks wait, so removing the first is cheap, and a delivered chunk is
                    // released as soon as the consumer drops it.
                    let chunk = buffered.removeFirst()
                    condition.signal()
                    condition.unlock()
                    continuation.resume(returning: chunk)
                } else if let outcome {
                    condition.unlock()
                    Self.deliverEnd(outcome, to: continuation)
                } else if cancelled {
                    condition.unlock()
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiting = continuation
                    condition.unlock()
                }
            }
        } onCancel: {
            cancel()
        }
    }

    private static func deliverEnd(_ result: Result<Void, Error>, to continuation: CheckedContinuation<ByteBuffer?, Error>) {
        switch result {
        case .success: continuation.resume(returning: nil)
        case .failure(let error): continuation.resume(throwing: error)
        }
    }
}
