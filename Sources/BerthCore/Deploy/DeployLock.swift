import Foundation
import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// A lock on one site, kept by the host's Docker engine so that runners on different machines see it: a created
/// (never started) container. Container names are unique on an engine, so creating it is atomic; whoever fails to
/// create it waits for it to go away.
///
/// The lock is a lease: its holder writes a small file (`/lease`) into the lock container every `ttl / 3`, through
/// the engine's archive endpoint, whose stat carries the file's modification time; labels cannot change after
/// creation, files can. A lock whose lease has not been renewed for `ttl` is stale: its holder is gone (killed, or
/// its machine lost), however long the publish it protected would have run. A lock taken in this kernel boot and
/// PID namespace (`LockOwner`) is also stale at once when its process no longer exists. A stale lock is removed by
/// its container ID, so a waiter that was slower to notice never removes the fresh lock another has just taken.
public struct DeployLock: Sendable {
    public let engine: any ContainerEngine
    public let identity: SiteIdentity
    public let ttl: Duration
    let owner: LockOwner
    let processes: any ProcessLookup

    /// An empty image built on the host itself (FROM scratch), so taking a lock never needs a registry.
    static let imageName = "berth-lock:1"
    static let forLabel = "berth.lock.for"
    static let takenLabel = "berth.lock.taken"
    static let ttlLabel = "berth.lock.ttl"
    /// The absolute expiry that berth before leases wrote; still honoured.
    static let expiresLabel = "berth.lock.expires"
    static let leaseFile = "lease"
    static let logger = Logger(label: "berth.lock")

    public init(engine: any ContainerEngine, identity: SiteIdentity, ttl: Duration = .seconds(60),
                owner: LockOwner = .current, processes: any ProcessLookup = ProcessTable()) {
        self.engine = engine
        self.identity = identity
        self.ttl = ttl
        self.owner = owner
        self.processes = processes
    }

    /// The lock container's name: derived in `SiteIdentity`, with every other name berth gives.
    public var containerName: String { identity.lockContainerName }

    /// Who holds a lock, as its labels and lease tell.
    public struct Holder: Sendable, Equatable, CustomStringConvertible {
        public var containerID: String
        public var owner: LockOwner
        public var who: String
        /// When the lease runs out unless renewed.
        public var expires: Date?
        /// The lease as last seen, to notice one that stops moving whatever the clocks say.
        var leaseMark: Date?

        public var description: String {
            var text = who
            if let expires { text += ", lease until \(ISO8601DateFormatter().string(from: expires)) unless renewed" }
            return text
        }
    }

    /// Runs `body` holding the lock, waiting at most `wait` for it; the lease is renewed while `body` runs, and the
    /// lock is released however `body` ends.
    public func withLock<Value: Sendable>(
        wait: Duration, onWaiting: @Sendable (Holder) -> Void = { _ in },
        _ body: () async throws -> Value
    ) async throws -> Value {
        let lockID = try await acquire(wait: wait, onWaiting: onWaiting)
        let renewal = Task { [self] in await keepRenewing(lockID) }
        defer { renewal.cancel() }
        do {
            let value = try await body()
            renewal.cancel()
            await release(lockID)
            return value
        } catch {
            renewal.cancel()
            await release(lockID)
            throw error
        }
    }

    /// Takes the lock; returns the lock container's ID.
    func acquire(wait: Duration, onWaiting: @Sendable (Holder) -> Void) async throws -> String {
        try await ensureImage()
        let clock = ContinuousClock()
        let deadline = clock.now + wait
        var toldWaiting = false
        // A lease seen not to move for longer than the ttl is stale even if the holder's clock runs ahead.
        var unchangedSince: (id: String, mark: Date?, since: ContinuousClock.Instant)?
        while true {
            do {
                return try await engine.createContainer(name: containerName, config: lockContainer())
            } catch EngineError.conflict {
                guard let holder = try await currentHolder() else { continue }
                if unchangedSince?.id != holder.containerID || unchangedSince?.mark != holder.leaseMark {
                    unchangedSince = (holder.containerID, holder.leaseMark, clock.now)
                }
                let frozen = unchangedSince.map { clock.now - $0.since > ttl + ttl / 3 } ?? false
                if frozen || isStale(holder) {
                    try await breakLock(holder.containerID)
                    unchangedSince = nil
                    continue
                }
                guard clock.now < deadline else {
                    throw DeployLockError.busy(site: identity.description, holder: holder,
                                               waitedSeconds: Int(wait.components.seconds))
                }
                if !toldWaiting {
                    onWaiting(holder)
                    toldWaiting = true
                }
                try await Task.sleep(for: .milliseconds(500))
            } catch {
                // Cancelled (Ctrl-C) or cut off mid-request: the engine may have made the lock without our hearing.
                await releaseIfOurs()
                throw error
            }
        }
    }

    /// Removes a stale lock by its ID: if another waiter removed it first and took the lock, that fresh lock has
    /// another ID and stays.
    func breakLock(_ id: String) async throws {
        do {
            try await engine.removeContainer(id, force: true)
        } catch EngineError.notFound {
            // Another waiter broke it first.
        }
    }

    /// Removes the lock this process took, by its ID: a lock broken as stale and taken by another is not touched.
    /// Completes even when the publish was cancelled, since a lock left behind would make the next publish wait.
    func release(_ lockID: String) async {
        let engine = engine
        await uncancelled { try? await engine.removeContainer(lockID, force: true) }
    }

    private func releaseIfOurs() async {
        let (engine, name, owner) = (engine, containerName, owner)
        await uncancelled {
            guard let container = try? await engine.inspectContainer(name),
                  LockOwner(labels: container.labels).isSameProcess(as: owner)
            else { return }
            try? await engine.removeContainer(container.id, force: true)
        }
    }

    /// Renews the lease every `ttl / 3` until cancelled. A renewal that fails is tried again at the next turn;
    /// the lease has two more turns before it runs out.
    func keepRenewing(_ lockID: String) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: ttl / 3)
                try await renew(lockID)
            } catch is CancellationError {
                return
            } catch {
                Self.logger.warning("could not renew the deploy lock", metadata: ["site": "\(identity)",
                                                                                  "error": "\(error)"])
            }
        }
    }

    /// Sets the lease's time to now, rounded up to the whole second a tar header holds (a lease a little long
    /// rather than one that has already run out).
    func renew(_ lockID: String, now: Date = Date()) async throws {
        let tar = try Self.archive(Self.leaseFile, contents: Array(owner.description.utf8),
                                   modified: time_t(now.timeIntervalSince1970.rounded(.up)))
        try await engine.putArchive(lockID, path: "/", tar: tar)
    }

    func currentHolder() async throws -> Holder? {
        guard let container = try await engine.inspectContainer(containerName) else { return nil }
        let labels = container.labels
        guard labels[Self.forLabel] == identity.description else {
            throw DeployLockError.foreignContainer(name: containerName)
        }
        var expires = labels[Self.expiresLabel].flatMap { Double($0) }.map { Date(timeIntervalSince1970: $0) }
        var leaseMark: Date?
        if let taken = labels[Self.takenLabel].flatMap(Double.init),
           let ttl = labels[Self.ttlLabel].flatMap(Double.init) {
            let stat = try await engine.statPath(container.id, path: "/" + Self.leaseFile)
            leaseMark = stat.flatMap { EngineTimestamp.parse($0.mtime) }
            let renewed = max(taken, leaseMark?.timeIntervalSince1970 ?? 0)
            expires = Date(timeIntervalSince1970: renewed + ttl)
        }
        return Holder(containerID: container.id, owner: LockOwner(labels: labels),
                      who: labels[LockOwner.holderLabel] ?? "unknown", expires: expires, leaseMark: leaseMark)
    }

    /// Stale when its lease has run out, or when it was taken in this boot and PID namespace by a process that
    /// no longer exists (or whose PID now belongs to a later process).
    func isStale(_ holder: Holder, now: Date = Date()) -> Bool {
        if let expires = holder.expires, expires < now { return true }
        guard owner.sharesProcessTable(with: holder.owner) else { return false }
        switch processes.state(of: holder.owner.processID) {
        case .gone: return true
        case .running(let started):
            // A PID that now belongs to a later process.
            if let started, let holderStarted = holder.owner.startTime, started != holderStarted { return true }
            return false
        }
    }

    func lockContainer(now: Date = Date()) -> ContainerCreate {
        var labels = owner.labels
        labels[Self.forLabel] = identity.description
        labels[Self.takenLabel] = String(format: "%.3f", now.timeIntervalSince1970)
        let (seconds, attoseconds) = ttl.components
        labels[Self.ttlLabel] = String(format: "%.3f", Double(seconds) + Double(attoseconds) / 1e18)
        return ContainerCreate(image: Self.imageName, labels: labels, command: ["lock"])
    }

    /// Builds the lock image from an empty context when the host does not have it yet.
    func ensureImage() async throws {
        if try await engine.inspectImage(Self.imageName) != nil { return }
        let tar = try Self.archive("Dockerfile", contents: Array("FROM scratch\nLABEL berth.lock.image=1\n".utf8))
        let context = [ByteBuffer(bytes: tar)].async
        for try await _ in engine.build(context: context, options: BuildOptions(tags: [Self.imageName])) {}
    }

    /// A tar archive of one file.
    static func archive(_ name: String, contents: [UInt8],
                        modified: time_t = TarWriter.fixedModificationTime) throws -> [UInt8] {
        var tar: [UInt8] = []
        let writer = try TarWriter { bytes in
            tar.append(contentsOf: bytes)
            return true
        }
        try writer.addFile(name, contents: contents, modificationTime: modified)
        try writer.finish()
        return tar
    }
}

extension LockOwner {
    /// The same process: same boot, namespace, PID and start time.
    func isSameProcess(as other: LockOwner) -> Bool {
        sharesProcessTable(with: other) && processID == other.processID && startTime == other.startTime
    }
}

public enum DeployLockError: Error, Sendable, CustomStringConvertible {
    case busy(site: String, holder: DeployLock.Holder, waitedSeconds: Int)
    case foreignContainer(name: String)

    public var description: String {
        switch self {
        case .busy(let site, let holder, let waited):
            return "another publish, rollback, start, stop or rm of \(site) is under way (held by \(holder)); "
                + "waited \(waited) s. Try again when it has finished, or wait longer with --lock-wait"
        case .foreignContainer(let name):
            return "a container named \(name) exists but is not berth's lock for this site (berth did not create "
                + "it), so berth cannot lock the site and leaves it alone; publish under another --name or --user"
        }
    }
}

/// A finite async sequence over an array, for small in-memory bodies.
struct ArrayAsyncSequence<Element: Sendable>: AsyncSequence, Sendable {
    let elements: [Element]

    struct AsyncIterator: AsyncIteratorProtocol {
        var index = 0
        let elements: [Element]

        mutating func next() async -> Element? {
            guard index < elements.count else { return nil }
            defer { index += 1 }
            return elements[index]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(elements: elements) }
}

extension Array where Element: Sendable {
    var async: ArrayAsyncSequence<Element> { ArrayAsyncSequence(elements: self) }
}
