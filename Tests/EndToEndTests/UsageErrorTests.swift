import Foundation
import Testing

/// Bad values on the command line, in the environment or in berth.yml are usage errors: status 64 and a message
/// that names the value and says what is wrong with it, before anything is built or asked of an engine.
@Suite("Usage errors", .timeLimit(.minutes(5)), .blockingCalls)
struct UsageErrorTests {
    static let usage: Int32 = 64

    func run(_ arguments: [String], environment: [String: String] = [:],
             removing: [String] = []) throws -> BerthCLI.Outcome {
        // An inventory whose only engine does not exist: a value that got past the parser would fail differently.
        let inventory = NSTemporaryDirectory() + "/berth-usage-hosts-\(UUID().uuidString).yml"
        try "hosts:\n  nowhere:\n    docker: unix:///nonexistent/docker.sock\n"
            .write(toFile: inventory, atomically: true, encoding: .utf8)
        defer { unlink(inventory) }
        let cli = BerthCLI(extraEnvironment: ["BERTH_HOSTS": inventory].merging(environment) { _, new in new },
                           removing: ["BERTH_USER"] + removing)
        return try cli.run(arguments, timeout: 60)
    }

    @Test("bad option values exit 64 and say what is wrong with the value", arguments: [
        (["publish", "sites/hello", "--memory", "lots"], ["'lots'", "--memory", "not a size such as 64m"]),
        (["publish", "sites/hello", "--port", "abc"], ["'abc'", "--port", "auto or a number from 1 to 65535"]),
        (["publish", "sites/hello", "--port", "99999"], ["'99999'", "--port", "auto or a number from 1 to 65535"]),
        (["publish", "sites/hello", "--name", "Bad/Name"],
         ["'Bad/Name'", "--name", "lower-case letters (a-z), digits and single dashes", "start and end with a letter or digit"]),
        (["publish", "sites/hello", "--name", "double--dash"], ["'double--dash'", "single dashes"]),
        (["publish", "sites/hello", "--user", "Probe"], ["'Probe'", "--user", "lower-case letters"]),
        (["stop", "hello", "--user", "Probe"], ["'Probe'", "--user", "lower-case letters"]),
        (["logs", "Bad_Site"], ["'Bad_Site'", "lower-case letters"]),
        (["start", "hello", "--check-timeout", "-1"], ["'-1'", "--check-timeout", "-1 is too small; give a whole number, 1 or more"]),
        (["publish", "sites/hello", "--check-timeout", "0"], ["'0'", "--check-timeout", "1 or more"]),
        (["logs", "hello", "--tail", "-3"], ["'-3'", "--tail", "-3 is too small; give a whole number, 0 or more"]),
        (["logs", "hello", "--tail", "many"], ["'many'", "--tail", "not a number"]),
        (["rm", "hello", "--lock-wait", "-5"], ["'-5'", "--lock-wait", "0 or more"]),
        (["publish", "sites/hello", "--keep", "0"], ["'0'", "--keep", "1 or more"]),
        (["publish", "sites/hello", "--jobs", "0"], ["'0'", "--jobs", "1 or more"]),
        (["publish", "sites/hello", "--tag", ".bad"], ["'.bad'", "--tag", "not an image tag"]),
        (["rollback", "hello", "--to", "a b"], ["'a b'", "--to", "not an image tag"]),
        (["logs", "hello", "--since", "yesterday"], ["'yesterday'", "--since", "neither a duration"]),
    ])
    func badValue(arguments: [String], expected: [String]) throws {
        let outcome = try run(arguments)
        #expect(outcome.status == Self.usage, "\(outcome)")
        for text in expected {
            #expect(outcome.stderr.contains(text), "'\(text)' in \(outcome)")
        }
        #expect(!outcome.stderr.contains("Missing value"), "\(outcome)")
    }

    @Test("a bad BERTH_USER is a usage error that names the variable")
    func badEnvironmentUser() throws {
        let outcome = try run(["versions", "hello"], environment: ["BERTH_USER": "Not/A/User"])
        #expect(outcome.status == Self.usage, "\(outcome)")
        #expect(outcome.stderr.contains("BERTH_USER 'Not/A/User' is not valid"), "\(outcome)")
        #expect(outcome.stderr.contains("single dashes"), "\(outcome)")
    }

    @Test("a bad value in berth.yml exits 64 and names the file, the line and the value", arguments: [
        ("server: nginx\nmemory: lots\n", "berth.yml, line 2", "memory 'lots'"),
        ("port: 99999\n", "berth.yml, line 1", "'99999'"),
    ])
    func badSiteConfig(config: String, place: String, value: String) throws {
        let site = NSTemporaryDirectory() + "/berth-usage-site-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: site) }
        try "<h1>hi</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
        try config.write(toFile: site + "/berth.yml", atomically: true, encoding: .utf8)
        for command in [["render", site], ["publish", site, "--user", "usage-probe"]] {
            let outcome = try run(command)
            #expect(outcome.status == Self.usage, "\(command): \(outcome)")
            #expect(outcome.stderr.contains(place), "\(outcome)")
            #expect(outcome.stderr.contains(value), "\(outcome)")
        }
    }

    @Test("without --user, BERTH_USER or USER a publish is the user 'default''s, and berth says so")
    func defaultUserIsAnnounced() throws {
        // The inventory's engine does not exist: the publish fails after choosing its user.
        let outcome = try run(["publish", "sites/hello"], removing: ["USER", "LOGNAME"])
        #expect(outcome.stderr.contains("the user is 'default'"), "\(outcome)")
        let rendered = try BerthCLI(removing: ["BERTH_USER", "USER", "LOGNAME"]).run(["render", "sites/hello"], timeout: 60)
        #expect(rendered.stdout.contains("berth.user=\"default\""), "\(rendered)")

        let named = try run(["publish", "sites/hello"], environment: ["USER": "someone"])
        #expect(!named.stderr.contains("'default'"), "\(named)")
    }
}
