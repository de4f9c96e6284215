import Foundation

/// Pushes a new version while its staging container starts and is checked. This is used only when the image is
/// already on the target host (no build host, or a delta made there): then neither step needs the other, and the
/// switch waits for both. A failure of either fails the publish before the previous version is touched, as when
/// they ran one after the other.
///
/// Both steps always run to their end (a push is not cut off because the check failed, nor a check because the
/// push did), so that neither leaves a half-made container or upload behind; a staged version whose push failed
/// is removed. The staging's events are held back until the push has finished, so that the stages still appear one
/// after another: push, run, check.
struct PushWhileStaging {
    let replacement: Replacement
    let version: Replacement.Version
    let checkTimeout: Duration

    /// - Parameters:
    ///   - push: the push, reporting its progress through the handler it is given.
    ///   - timer: gets both steps' seconds, and `overlap`: how long they ran at once (counted in both).
    func run(push: @escaping @Sendable (@escaping Publisher.EventHandler) async throws -> Void,
             detail: String, timer: inout StageTimer) async throws -> Replacement.Staged {
        let held = HeldEvents(forward: timer.events)
        let (replacement, version, checkTimeout) = (replacement, version, checkTimeout)
        let (events, logger) = (timer.events, timer.logger)
        async let pushed: (Result<Void, any Error>, StageTimer) = {
            var pushTimer = StageTimer(events: events, logger: logger)
            pushTimer.start(.push, detail: detail)
            defer { held.release() }
            do {
                try await push(events)
                pushTimer.finish(.push)
                return (.success(()), pushTimer)
            } catch {
                return (.failure(error), pushTimer)
            }
        }()
        async let staged: (Result<Replacement.Staged, any Error>, StageTimer, Duration) = {
            var stagingTimer = StageTimer(events: held.send, logger: logger)
            let started = ContinuousClock.now
            do {
                let staged = try await replacement.stage(version, checkTimeout: checkTimeout, timer: &stagingTimer)
                return (.success(staged), stagingTimer, ContinuousClock.now - started)
            } catch {
                return (.failure(error), stagingTimer, ContinuousClock.now - started)
            }
        }()
        let (pushResult, pushTimer) = await pushed
        let (stagingResult, stagingTimer, stagingTime) = await staged
        held.release()
        timer.merge(pushTimer)
        timer.merge(stagingTimer)
        if let push = pushTimer.seconds[PublishStage.push.rawValue] {
            timer.record(Self.overlapPart, seconds: min(push, Switchover.seconds(stagingTime)))
        }
        switch (pushResult, stagingResult) {
        case (.success, .success(let staged)):
            return staged
        case (.failure(let error), .success(let staged)):
            await replacement.abandon(staged)
            throw error
        case (.failure(let error), .failure):
            // The push came first when the steps ran one after the other: its failure is the one to report.
            throw error
        case (.success, .failure(let error)):
            throw error
        }
    }

    /// The part of `stageSeconds` that says how long the push and the staged run and check ran at once.
    static let overlapPart = "overlap"
}

/// Events held back until `release`, then passed on in order; after it, passed on at once.
final class HeldEvents: @unchecked Sendable {
    private let lock = NSLock()
    private var held: [PublishEvent]? = []
    private let forward: Publisher.EventHandler

    init(forward: @escaping Publisher.EventHandler) {
        self.forward = forward
    }

    func send(_ event: PublishEvent) {
        // Forwarded under the lock, so that an event sent while the held ones go out comes after them.
        lock.withLock {
            if held != nil {
                held?.append(event)
            } else {
                forward(event)
            }
        }
    }

    func release() {
        lock.withLock {
            for event in held ?? [] { forward(event) }
            held = nil
        }
    }
}
