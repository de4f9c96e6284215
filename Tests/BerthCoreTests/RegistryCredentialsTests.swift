import Foundation
import Testing
@testable import BerthCore

@Suite("Registry credentials")
struct RegistryCredentialsTests {
    func dockerConfig(_ json: String) throws -> TemporarySite {
        let directory = try TemporarySite()
        try directory.write("config.json", json)
        return directory
    }

    @Test("BERTH_REGISTRY_USER / BERTH_REGISTRY_PASSWORD win over ~/.docker/config.json")
    func environmentWins() throws {
        let config = try dockerConfig(#"{"auths":{"reg:5000":{"auth":"\#(Data("file:secret".utf8).base64EncodedString())"}}}"#)
        let store = CredentialStore(environment: [
            "DOCKER_CONFIG": config.path, "BERTH_REGISTRY_USER": "env", "BERTH_REGISTRY_PASSWORD": "pw",
        ])
        #expect(try store.credentials(for: "reg:5000") == RegistryCredentials(username: "env", password: "pw",
                                                                                source: "BERTH_REGISTRY_USER"))
    }

    @Test("auths entries are found under the bare address or a URL")
    func dockerConfigAuths() throws {
        let encoded = Data("alice:s3:cret".utf8).base64EncodedString()
        let config = try dockerConfig(#"{"auths":{"https://reg:5000":{"auth":"\#(encoded)"},"other:1":{}}}"#)
        let store = CredentialStore(environment: ["DOCKER_CONFIG": config.path])
        let found = try #require(try store.credentials(for: "reg:5000"))
        #expect(found.username == "alice")
        #expect(found.password == "s3:cret", "only the first colon separates user and password")
        #expect(try store.credentials(for: "other:1") == nil)
        #expect(try store.credentials(for: "unknown:1") == nil)
    }

    @Test("a credential helper answers for its registry")
    func credentialHelper() throws {
        let helpers = try TemporarySite()
        try helpers.write("docker-credential-berthtest", """
            #!/bin/sh
            read server
            [ "$server" = "reg:5000" ] || { echo "credentials not found" >&2; exit 1; }
            echo '{"ServerURL":"reg:5000","Username":"helper-user","Secret":"helper-secret"}'
            """, mode: 0o755)
        let config = try dockerConfig(#"{"credHelpers":{"reg:5000":"berthtest"}}"#)
        let store = CredentialStore(environment: [
            "DOCKER_CONFIG": config.path, "PATH": helpers.path + ":/usr/bin:/bin",
        ])
        let found = try #require(try store.credentials(for: "reg:5000"))
        #expect(found.username == "helper-user" && found.password == "helper-secret")
        #expect(try store.credentials(for: "elsewhere:1") == nil)
    }

    @Test("a credential helper that does not answer in time is stopped, and the error names it",
          .timeLimit(.minutes(1)))
    func credentialHelperTimeout() throws {
        let helpers = try TemporarySite()
        // It keeps its standard output open while it hangs, as one waiting for a keychain would; it also writes
        // more to standard error than a pipe holds.
        try helpers.write("docker-credential-hangs", """
            #!/bin/sh
            head -c 200000 /dev/zero >&2
            exec sleep 60
            """, mode: 0o755)
        let config = try dockerConfig(#"{"credHelpers":{"reg:5000":"hangs"}}"#)
        var store = CredentialStore(environment: [
            "DOCKER_CONFIG": config.path, "PATH": helpers.path + ":/usr/bin:/bin",
        ])
        store.helperTimeout = .seconds(1)
        let started = ContinuousClock.now
        do {
            _ = try store.credentials(for: "reg:5000")
            Issue.record("the hanging helper gave credentials")
        } catch {
            #expect("\(error)".contains("docker-credential-hangs"), "\(error)")
            #expect("\(error)".contains("did not answer within 1 s"), "\(error)")
        }
        #expect(ContinuousClock.now - started < .seconds(30), "stopped, not waited for")
    }

    @Test("half of the environment pair is an error, and descriptions never show the password")
    func halfPairAndSecrecy() {
        #expect(throws: RegistryCredentialsError.self) {
            try CredentialStore(environment: ["BERTH_REGISTRY_USER": "u"]).credentials(for: "r")
        }
        let credentials = RegistryCredentials(username: "u", password: "hunter2", source: "test")
        #expect(!credentials.description.contains("hunter2"))
        #expect(!"\(credentials)".contains("hunter2"))
    }

    @Test("X-Registry-Auth is URL-safe base64 of the login JSON; anonymous is {}")
    func authHeader() throws {
        let value = RegistryAuthHeader.value(
            for: RegistryCredentials(username: "u?>", password: "p~~~", source: "t"), registry: "reg:5000")
        #expect(!value.contains("+") && !value.contains("/"))
        let standard = value.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let padded = standard + String(repeating: "=", count: (4 - standard.count % 4) % 4)
        let json = try #require(Data(base64Encoded: padded))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: String])
        #expect(object == ["username": "u?>", "password": "p~~~", "serveraddress": "reg:5000"])
        #expect(RegistryAuthHeader.value(for: nil, registry: "x") == "e30=")
    }
}
