import BerthCore
import Foundation
import Testing
@testable import BerthServer

@Suite("The SQLite store")
struct StoreTests {
    static func temporaryDatabase() -> String {
        NSTemporaryDirectory() + "berth-store-\(UUID().uuidString)/serve.db"
    }

    @Test("a publish cut off by the server stopping is recorded as failed when it starts again; migrations run once")
    func interruptedDeployFails() async throws {
        let path = Self.temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: ParentDirectory.of(path)) }
        let store = try await Store.open(path: path)
        try await store.addUser("alice", admin: false)
        _ = try await store.startDeploy(user: "alice", token: "0123456789abcdef", site: "blog",
                                        uploadDigest: "sha256:1")
        #expect(try await store.deployStates(user: "alice", site: "blog") == ["started"])
        await store.close()

        let reopened = try await Store.open(path: path)
        #expect(try await reopened.deployStates(user: "alice", site: "blog") == ["failed"])
        let entry = try #require(try await reopened.auditEntries(user: "alice", since: nil).first)
        #expect(entry.source == "server restart" && entry.token == "0123456789abcdef", "\(entry)")
        #expect(try await reopened.user("alice")?.admin == false)
        await reopened.close()
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test("quota overrides are kept per user and reset on request; removing a user removes their tokens")
    func quotasAndTokens() async throws {
        let path = Self.temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: ParentDirectory.of(path)) }
        let store = try await Store.open(path: path)
        try await store.addUser("bob", admin: false)
        try await store.setQuotas("bob", Quotas(sites: 2, memory: 1 << 30), clear: [])
        try await store.setQuotas("bob", Quotas(files: 9), clear: ["memory"])
        #expect(try await store.user("bob")?.quotaOverrides == Quotas(sites: 2, files: 9))
        let token = AccessToken.generate()
        try await store.addToken(TokenRecord(id: token.id, user: "bob", scope: .read, site: nil, expires: nil,
                                             created: Date()), hash: token.hash)
        #expect(try await store.tokens(user: "bob").count == 1)
        try await store.removeUser("bob")
        #expect(try await store.token(id: token.id) == nil)
        await store.close()
    }

    @Test("pinned hosts are replaced as a set, empty unpins, and they go with their user")
    func pinnedHosts() async throws {
        let path = Self.temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: ParentDirectory.of(path)) }
        let store = try await Store.open(path: path)
        try await store.addUser("carol", admin: false)
        #expect(try await store.pinnedHosts(user: "carol") == [])
        try await store.setPinnedHosts(["web2", "web1", "web2"], user: "carol")
        #expect(try await store.pinnedHosts(user: "carol") == ["web1", "web2"])
        try await store.setPinnedHosts(["web1"], user: "carol")
        #expect(try await store.pinnedHosts(user: "carol") == ["web1"])
        await #expect(throws: BerthProblem.self) { try await store.setPinnedHosts(["web1"], user: "nobody") }
        try await store.removeUser("carol")
        try await store.addUser("carol", admin: false)
        #expect(try await store.pinnedHosts(user: "carol") == [], "a new user of the same name starts unpinned")
        await store.close()
    }
}
