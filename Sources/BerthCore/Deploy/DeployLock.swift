import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// A lock on one site, kept by the host's Docker engine so that runners on different machines see it: a created
/// (never started) container named `berth-lock-USER-SITE`. Container names are unique on an engine, so creating it
/// is atomic; whoever fails to create it waits for it to go away.
///
/// A holder that was killed leaves its lock behind. Such a lock is broken when it has expired (`ttl`), or at once
/// when it was taken on this machine by a process that no longer exists.
public struct DeployLock: Sendable {
    public let engine: DockerEngine
    public let identity: SiteIdentity
    public let ttl: Duration

    /// An empty image built on the host itself (FROM scratch), so taking a lock never needs a registry.
    static let imageName = "berth-lock:1"
    static let forLabel = "berth.lock.for"
    static let holderLabel = "berth.lock.holder"
    static let machineLabel = "berth.lock.machine"
    static let processLabel = "berth.lock.pid"
    static let expiresLabel = "berth.lock.expires"

    public init(engine: DockerEngine, identity: SiteIdentity, ttl: Duration = .seconds(15 * 60)) {
        self.engine = engine
        self.identity = identity
        self.ttl = ttl
    }

    public var containerName: String { identity.lockContainerName }

    /// Who holds a lock, as its labels tell.
    public struct Holder: Sendable, Equatable, CustomStringConvertible {
        public var who: String
        public var machine: String
        public var processID: Int32?
        public var expires: Date?

        public var description: String {
            var text = who
            if let expires { text += ", until \(ISO8601DateFormatter().string(from: expires)) at the latest" }
            return text
        }
    }

    /// Runs `body` holding the lock, waiting at most `wait` for it; the lock is released however `body` ends.
    public func withLock<Value: Sendable>(
        wait: Duration, onWaiting: @Sendable (Holder) -> Void = { _ in },
        _ body: () async throws -> Value
    ) async throws -> Value {
        let lockID = try await acquire(wait: wait, onWaiting: onWaiting)
        do {
            let value = try await body()
            await release(lockID)
            return value
        } catch {
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
        while true {
            do {
                return try await engine.createContainer(name: containerName, config: lockContainer())
            } catch EngineError.conflict {
                guard let holder = try await currentHolder() else { continue }
                if isStale(holder) {
                    try? await engine.removeContainer(containerName, force: true)
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

    /// Removes the lock this process took, by its ID: a lock broken as stale and taken by another is not touched.
    /// Completes even when the publish was cancelled, since a lock left behind would make the next publish wait.
    func release(_ lockID: String) async {
        await uncancelled { try? await engine.removeContainer(lockID, force: true) }
    }

    private func releaseIfOurs() async {
        await uncancelled {
            guard let container = try? await engine.inspectContainer(containerName),
                  container.labels[Self.machineLabel] == Self.machineName,
                  container.labels[Self.processLabel] == "\(getpid())"
            else { return }
            try? await engine.removeContainer(container.id, force: true)
        }
    }

    func currentHolder() async throws -> Holder? {
        guard let container = try await engine.inspectContainer(containerName) else { return nil }
        let labels = container.labels
        guard labels[Self.forLabel] == identity.description else {
            throw DeployLockError.foreignContainer(name: containerName)
        }
        return Holder(
            who: labels[Self.holderLabel] ?? "unknown",
            machine: labels[Self.machineLabel] ?? "",
            processID: labels[Self.processLabel].flatMap { Int32($0) },
            expires: labels[Self.expiresLabel].flatMap { Double($0) }.map { Date(timeIntervalSince1970: $0) })
    }

    func isStale(_ holder: Holder) -> Bool {
        if let expires = holder.expires, expires < Date() { return true }
        if holder.machine == Self.machineName, let pid = holder.processID, kill(pid, 0) != 0, errno == ESRCH {
            return true
        }
        return false
    }

    func lockContainer() -> ContainerCreate {
        let expires = Date().addingTimeInterval(Double(ttl.components.seconds))
        let user = ProcessInfo.processInfo.userName
        return ContainerCreate(
            image: Self.imageName,
            labels: [
                Self.forLabel: identity.description,
                Self.holderLabel: "\(user)@\(Self.machineName) (pid \(getpid()))",
                Self.machineLabel: Self.machineName,
                Self.processLabel: "\(getpid())",
                Self.expiresLabel: "\(Int(expires.timeIntervalSince1970))",
            ],
            command: ["lock"])
    }

    static var machineName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Builds the lock image from an empty context when the host does not have it yet.
    func ensureImage() async throws {
        if try await engine.inspectImage(Self.imageName) != nil { return }
        var tar: [UInt8] = []
        let writer = try TarWriter { bytes in
            tar.append(contentsOf: bytes)
            return true
        }
        try writer.addFile("Dockerfile", contents: Array("FROM scratch\nLABEL berth.lock.image=1\n".utf8))
        try writer.finish()
        let context = [ByteBuffer(bytes: tar)].async
        for try await _ in engine.build(context: context, options: BuildOptions(tags: [Self.imageName])) {}
    }
}

public enum DeployLockError: Error, Sendable, CustomStringConvertible {
    case busy(site: String, holder: DeployLock.Holder, waitedSeconds: Int)
    case foreignContainer(name: String)

    public var description: String {
        switch self {
        case .busy(let site, let holder, let waited):
            return "another publish, rollback or rm of \(site) is under way (held by \(holder)); waited \(waited) s. "
                + "Try again when it has finished, or wait longer with --lock-wait"
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
