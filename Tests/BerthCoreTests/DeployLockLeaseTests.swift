import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import BerthCore

/// The deploy lock's owner identity, lease and stale-lock breaking, on the fake engine with chosen identities.
@Suite("Deploy lock: owners across PID namespaces, renewed leases, breaking by ID")
struct DeployLockLeaseTests {
    static let identity = SiteIdentity(user: "alice", site: "blog")

    static func owner(namespace: String, pid: Int32, started: UInt64 = 100, boot: String = "boot-1") -> LockOwner {
        LockOwner(bootID: boot, pidNamespace: namespace, processID: pid, startTime: started, machine: "ci-runner",
                  user: "ci")
    }

    /// A process table: the PIDs that exist in the looking process's namespace, with their start times.
    struct Processes: ProcessLookup {
        var running: [Int32: UInt64]
        func state(of processID: Int32) -> ProcessState {
            running[processID].map { .running(startTime: $0) } ?? .gone
        }
    }

    static func engine() async -> FakeContainerEngine {
        let engine = FakeContainerEngine()
        _ = await engine.addImage(DeployLock.imageName)
        return engine
    }

    static func lock(_ engine: FakeContainerEngine, _ owner: LockOwner, sees running: [Int32: UInt64] = [:],
                     ttl: Duration = .seconds(60)) -> DeployLock {
        DeployLock(engine: engine, identity: identity, ttl: ttl, owner: owner, processes: Processes(running: running))
    }

    @Test("a holder in another PID namespace on the same machine is never judged by this namespace's processes")
    func otherNamespaceIsNotStale() async throws {
        let engine = await Self.engine()
        // Both are PID 7 of the same host name and boot; in the waiter's namespace PID 7 does not exist.
        let holder = Self.lock(engine, Self.owner(namespace: "pid:[4026531836]", pid: 7))
        let waiter = Self.lock(engine, Self.owner(namespace: "pid:[4026532999]", pid: 7), sees: [:])
        _ = try await holder.acquire(wait: .seconds(1), onWaiting: { _ in })
        do {
            _ = try await waiter.acquire(wait: .milliseconds(600), onWaiting: { _ in })
            Issue.record("the waiter broke a live lock of another namespace")
        } catch let error as DeployLockError {
            #expect("\(error)".contains("ci@ci-runner (pid 7)"), "\(error)")
        }
    }

    @Test("a holder of this boot and namespace whose process is gone is stale at once")
    func deadProcessIsStale() async throws {
        let engine = await Self.engine()
        let namespace = "pid:[4026531836]"
        _ = try await Self.lock(engine, Self.owner(namespace: namespace, pid: 7)).acquire(wait: .seconds(1),
                                                                                        onWaiting: { _ in })
        let started = ContinuousClock.now
        let id = try await Self.lock(engine, Self.owner(namespace: namespace, pid: 8), sees: [8: 100])
            .acquire(wait: .seconds(60), onWaiting: { _ in })
        #expect(ContinuousClock.now - started < .seconds(20), "at once, not after waiting out the 60 s")
        #expect(await engine.container(named: Self.lock(engine, LockOwner.current).containerName)?.id == id)
    }

    @Test("a PID now used by a later process (another start time) does not keep a lock alive")
    func reusedPIDIsStale() async throws {
        let engine = await Self.engine()
        let namespace = "pid:[4026531836]"
        _ = try await Self.lock(engine, Self.owner(namespace: namespace, pid: 7, started: 100))
            .acquire(wait: .seconds(1), onWaiting: { _ in })
        let waiter = Self.lock(engine, Self.owner(namespace: namespace, pid: 8), sees: [7: 555, 8: 100])
        _ = try await waiter.acquire(wait: .seconds(2), onWaiting: { _ in })
        // And the same PID with the same start time is the holder itself: alive.
        let sameProcess = Self.lock(engine, Self.owner(namespace: namespace, pid: 9), sees: [8: 100])
        await #expect(throws: DeployLockError.self) {
            _ = try await sameProcess.acquire(wait: .milliseconds(300), onWaiting: { _ in })
        }
    }

    @Test("another boot (the machine restarted) is judged by the lease only")
    func otherBootByLease() async throws {
        let engine = await Self.engine()
        let holder = Self.lock(engine, Self.owner(namespace: "ns", pid: 7, boot: "boot-0"), ttl: .seconds(1))
        _ = try await holder.acquire(wait: .seconds(1), onWaiting: { _ in })
        let waiter = Self.lock(engine, Self.owner(namespace: "ns", pid: 8, boot: "boot-1"), ttl: .seconds(1))
        let started = ContinuousClock.now
        _ = try await waiter.acquire(wait: .seconds(30), onWaiting: { _ in })
        // Not at once (its process table says nothing about another boot), and only once the 1 s lease ran out.
        #expect(ContinuousClock.now - started >= .milliseconds(900))
    }

    @Test("a holder renews its lease: a publish longer than the ttl keeps its lock")
    func leaseRenewedPastTheTTL() async throws {
        let engine = await Self.engine()
        let ttl = Duration.seconds(3)
        let holder = Self.lock(engine, Self.owner(namespace: "ns-a", pid: 7), ttl: ttl)
        let waiter = Self.lock(engine, Self.owner(namespace: "ns-b", pid: 8), ttl: ttl)
        try await holder.withLock(wait: .seconds(1)) {
            let taken = Date()
            // Hold it until the lease has been renewed four times (every ttl/3): longer than the ttl.
            let deadline = ContinuousClock.now + .seconds(60)
            while await engine.calls.filter({ $0.hasPrefix("lease ") }).count < 4, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(Date().timeIntervalSince(taken) > 3, "held past the ttl")
            let lease = try #require(try await waiter.currentHolder())
            #expect((lease.expires ?? .distantPast) > taken.addingTimeInterval(3), "renewed past the first ttl")
            #expect(!waiter.isStale(lease))
            await #expect(throws: DeployLockError.self, "a waiter of another namespace does not break it") {
                _ = try await waiter.acquire(wait: .zero, onWaiting: { _ in })
            }
        }
        #expect(await engine.container(named: holder.containerName) == nil, "released")
    }

    @Test("a lease that does not move for longer than the ttl is stale, even if the holder's clock runs ahead")
    func frozenLeaseFromAClockAhead() async throws {
        let engine = await Self.engine()
        let holder = Self.lock(engine, Self.owner(namespace: "ns-a", pid: 7), ttl: .milliseconds(600))
        _ = try await holder.acquire(wait: .seconds(1), onWaiting: { _ in })
        // Written by a clock an hour ahead, and never renewed: the holder was killed.
        await engine.setFile("/lease", of: holder.containerName, modified: Date().addingTimeInterval(3600))
        let waiter = Self.lock(engine, Self.owner(namespace: "ns-b", pid: 8), ttl: .milliseconds(600))
        // Its lease says an hour ahead; only noticing that it never moves breaks it.
        _ = try await waiter.acquire(wait: .seconds(30), onWaiting: { _ in })
    }

    @Test("a stale lock is removed by its ID: a breaker that comes second never removes the lock just taken")
    func staleRemovedByID() async throws {
        let engine = await Self.engine()
        let namespace = "pid:[1]"
        _ = try await Self.lock(engine, Self.owner(namespace: namespace, pid: 7)).acquire(wait: .seconds(1),
                                                                                        onWaiting: { _ in })
        let first = Self.lock(engine, Self.owner(namespace: namespace, pid: 8), sees: [8: 100])
        let second = Self.lock(engine, Self.owner(namespace: namespace, pid: 9), sees: [9: 100, 8: 100])
        // Both see the dead holder's lock; the first breaks it and takes the lock before the second acts.
        let stale = try #require(try await second.currentHolder())
        #expect(second.isStale(stale))
        let taken = try await first.acquire(wait: .seconds(1), onWaiting: { _ in })
        try await second.breakLock(stale.containerID)
        #expect(await engine.container(named: first.containerName)?.id == taken, "the fresh lock stays")
        // And the second now waits for the first, alive in its namespace.
        await #expect(throws: DeployLockError.self) {
            _ = try await second.acquire(wait: .milliseconds(300), onWaiting: { _ in })
        }
    }

    @Test("two breakers racing through acquire: exactly one gets the lock")
    func racingBreakers() async throws {
        let engine = await Self.engine()
        let namespace = "pid:[1]"
        _ = try await Self.lock(engine, Self.owner(namespace: namespace, pid: 7)).acquire(wait: .seconds(1),
                                                                                        onWaiting: { _ in })
        let alive: [Int32: UInt64] = [8: 100, 9: 100]
        let first = Self.lock(engine, Self.owner(namespace: namespace, pid: 8), sees: alive)
        let second = Self.lock(engine, Self.owner(namespace: namespace, pid: 9), sees: alive)
        async let a = try? first.acquire(wait: .milliseconds(800), onWaiting: { _ in })
        async let b = try? second.acquire(wait: .milliseconds(800), onWaiting: { _ in })
        let got = await [a, b].compactMap { $0 }
        #expect(got.count == 1, "\(got)")
    }

    @Test("the owner identity of this process is read from /proc: boot, PID namespace, PID and start time")
    func currentOwner() throws {
        let owner = LockOwner.current
        #expect(owner.bootID?.count == 36, "\(owner)")
        #expect(owner.pidNamespace?.hasPrefix("pid:[") == true, "\(owner)")
        #expect(owner.processID == getpid())
        let started = try #require(owner.startTime)
        #expect(ProcessTable().state(of: getpid()) == .running(startTime: started))
        #expect(ProcessTable().state(of: 4_194_000) == .gone)
        #expect(ProcessTable.startTime(statFile: "12 (a) b (c)) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 4242 1")
                == 4242, "a command name with spaces and parentheses")
    }
}
