import BerthCore
import Foundation
import Testing

@Suite("Named remotes: which server a command goes to")
struct RemoteLoginsTests {
    func withLogins(_ logins: RemoteLogins?, _ body: ([String: String]) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "berth-logins-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["XDG_CONFIG_HOME": directory]
        if let logins { try RemoteLoginFile(environment: environment).write(logins) }
        try body(environment)
    }

    func logins() throws -> RemoteLogins {
        var logins = RemoteLogins()
        logins.add(try RemoteEndpoint(url: "https://a.example", token: "ta"), name: "a")
        logins.add(try RemoteEndpoint(url: "https://b.example", token: "tb"), name: "b")
        return logins
    }

    @Test("--remote NAME, else BERTH_REMOTE, else the last login; a URL takes BERTH_TOKEN or its one login")
    func selection() throws {
        try withLogins(try logins()) { (environment: [String: String]) throws in
            #expect(try RemoteEndpoint.selected(option: nil, environment: environment)?.token == "tb")
            #expect(try RemoteEndpoint.selected(option: "a", environment: environment)?.token == "ta")
            #expect(try RemoteEndpoint.selected(option: "https://a.example/", environment: environment)?.token == "ta")
            var ci = environment
            ci["BERTH_REMOTE"] = "https://c.example"
            ci["BERTH_TOKEN"] = "tc"
            #expect(try RemoteEndpoint.selected(option: nil, environment: ci) == RemoteEndpoint(url: "https://c.example", token: "tc"))
            #expect(try RemoteEndpoint.selected(option: "a", environment: ci)?.token == "ta", "--remote over BERTH_REMOTE")
        }
        try withLogins(nil) { (environment: [String: String]) throws in
            #expect(try RemoteEndpoint.selected(option: nil, environment: environment) == nil)
        }
    }

    @Test("an unknown name is a usage error naming the known ones; names are checked")
    func unknownName() throws {
        try withLogins(try logins()) { (environment: [String: String]) throws in
            let error = #expect(throws: BerthProblem.self) {
                try RemoteEndpoint.selected(option: "prod", environment: environment)
            }
            #expect(error?.code == .usage)
            #expect(error?.detail.contains("the known ones are a, b") == true, "\(String(describing: error))")
        }
        for bad in ["", "-x", "a/b", "a b", String(repeating: "x", count: 64)] {
            #expect(throws: BerthProblem.self) { try RemoteLogins.check(name: bad) }
        }
        #expect(RemoteLogins.defaultName(for: "https://berth.example.com:8443") == "berth.example.com")
    }

    @Test("forgetting the default leaves the one other login as the default, or none")
    func remove() throws {
        var logins = try logins()
        try logins.remove("b")
        #expect(logins.defaultName == "a")
        logins.add(try RemoteEndpoint(url: "https://b.example", token: "tb"), name: "b")
        logins.add(try RemoteEndpoint(url: "https://c.example", token: "tc"), name: "c")
        try logins.remove("c")
        #expect(logins.defaultName == nil && logins.names == ["a", "b"])
        #expect(throws: BerthProblem.self) { try logins.remove("c") }
    }
}
