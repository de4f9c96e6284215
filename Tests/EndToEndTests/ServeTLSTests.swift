import AsyncHTTPClient
import BerthCore
import Foundation
import NIOSSL
import Testing

/// `berth serve` with `tls: {cert, key}`: HTTPS with a certificate a client verifies, the CLI through it with the
/// operator's CA trusted by `BERTH_CA`, and no client that accepts a certificate it cannot verify.
@Suite("berth serve over HTTPS", .blockingCalls)
struct ServeTLSTests {
    /// A CA and a certificate it signed for 127.0.0.1 and localhost, made with openssl in a scratch directory.
    struct Certificates {
        let directory: String
        var ca: String { directory + "/ca.pem" }
        var cert: String { directory + "/server.pem" }
        var key: String { directory + "/server-key.pem" }

        /// `name` keeps the files of several CAs apart.
        static func make(in parent: String, name: String = "berth-test") throws -> Certificates {
            let certificates = Certificates(directory: parent + "/" + name)
            try FileManager.default.createDirectory(atPath: certificates.directory, withIntermediateDirectories: true)
            let d = certificates.directory
            try "subjectAltName = IP:127.0.0.1, DNS:localhost\nextendedKeyUsage = serverAuth\n"
                .write(toFile: d + "/server.ext", atomically: true, encoding: .utf8)
            let steps: [[String]] = [
                ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", d + "/ca-key.pem", "-out", d + "/ca.pem", "-days", "2", "-subj", "/CN=\(name) CA",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", d + "/server-key.pem", "-out", d + "/server.csr", "-subj", "/CN=127.0.0.1"],
                ["openssl", "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.pem", "-CAkey", d + "/ca-key.pem",
                 "-CAcreateserial", "-days", "2", "-sha256", "-extfile", d + "/server.ext", "-out", d + "/server.pem"],
            ]
            for step in steps {
                let outcome = try ChildProcess.run(step)
                try #require(outcome.status == 0, "\(step.joined(separator: " ")): \(outcome)")
            }
            return certificates
        }
    }

    @Test("HTTPS with a certificate the client verifies; login, sites and publish through it with BERTH_CA; an unverifiable certificate is refused",
          .timeLimit(.minutes(5)))
    func httpsServer() async throws {
        let scratch = NSTemporaryDirectory() + "berth-serve-tls-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let trusted = try Certificates.make(in: scratch)
        let other = try Certificates.make(in: scratch, name: "other")
        let settings = "tls:\n  cert: \(trusted.cert)\n  key: \(trusted.key)"
        try await ServeFixture.run(settings: settings, caFile: trusted.ca) { serve in
            #expect(serve.url.hasPrefix("https://127.0.0.1:"), "it says it serves HTTPS: \(serve.url)")
            let token = try await serve.token(for: serve.alice.user, scope: "deploy").token

            // The fixture's client verifies the certificate against the CA (system store plus the CA): it answers.
            let me = try await serve.call(.GET, "/v1/me", token: token)
            #expect(me.status == 200 && me.json["user"] as? String == serve.alice.user, "\(me.body)")

            // Clients that cannot verify it: the system's store alone, and another CA. Neither gets an answer.
            await #expect(throws: (any Error).self, "the system store does not know the test CA") {
                _ = try await HTTPClient.shared.execute(HTTPClientRequest(url: serve.url + "/v1/openapi.yaml"),
                                                        timeout: .seconds(10))
            }
            await #expect(throws: (any Error).self, "a CA that did not sign it") {
                _ = try await ServerTrust.client(caFile: other.ca)
                    .execute(HTTPClientRequest(url: serve.url + "/v1/openapi.yaml"), timeout: .seconds(10))
            }
            // Nor does plain HTTP reach the API on that port.
            await #expect(throws: (any Error).self, "plain HTTP is not served") {
                let plain = serve.url.replacingOccurrences(of: "https://", with: "http://")
                let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: plain + "/v1/me"),
                                                                   timeout: .seconds(10))
                if response.status == .ok { return }
                throw FixtureError("answered \(response.status)")
            }

            // The CLI: login refuses a certificate it cannot verify, and says what to do.
            let config = serve.directory + "/config-tls"
            var cli = serve.alice.cli(["XDG_CONFIG_HOME": config, "BERTH_REMOTE": "", "BERTH_TOKEN": "",
                                       "BERTH_CA": ""])
            let tokenFile = serve.directory + "/token"
            try (token + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
            cli.standardInputFile = tokenFile
            let untrusted = try cli.run(["login", serve.url])
            #expect(untrusted.status == 1, "\(untrusted)")
            #expect(untrusted.stderr.contains("did not prove who it is") && untrusted.stderr.contains("BERTH_CA"),
                    "\(untrusted)")
            #expect(!FileManager.default.fileExists(atPath: config + "/berth/remote.json"), "no login was stored")
            #expect(untrusted.seconds < 10, "refused at once, not after retrying: \(untrusted.seconds) s")
            var wrongCA = cli
            wrongCA.environment["BERTH_CA"] = other.ca
            let wrong = try wrongCA.run(["login", serve.url])
            #expect(wrong.status == 1 && wrong.stderr.contains("did not prove who it is"), "\(wrong)")
            var missingCA = cli
            missingCA.environment["BERTH_CA"] = scratch + "/nosuch.pem"
            let missing = try missingCA.run(["login", serve.url])
            #expect(missing.status == 64 && missing.stderr.contains("BERTH_CA"), "a usage error naming it: \(missing)")

            // With the CA: login stores it with the login, and later commands trust it without the variable.
            var withCA = cli
            withCA.environment["BERTH_CA"] = trusted.ca
            let login = try withCA.run(["login", serve.url])
            #expect(login.status == 0 && login.stderr.contains("signed in"), "\(login)")
            let stored = try String(contentsOfFile: config + "/berth/remote.json", encoding: .utf8)
            #expect(stored.contains(trusted.ca), "the CA is stored with the login: \(stored)")
            cli.standardInputFile = nil
            let site = try serve.alice.copyOfSite("hello")
            let published = try cli.run(["publish", site, "--json"])
            #expect(published.status == 0, "\(published)")
            let url = try #require(published.result?["url"] as? String)
            #expect(try await PublishFixture.get(url).status == 200)
            let sites = try cli.run(["sites", "--json"])
            #expect(sites.status == 0 && sites.jsonLines.map { $0["site"] as? String } == ["hello"], "\(sites)")

            // CI's way: BERTH_REMOTE, BERTH_TOKEN and BERTH_CA.
            let ci = serve.remoteCLI(token: token)
            let listed = try ci.run(["sites", "--json"])
            #expect(listed.status == 0 && listed.jsonLines.count == 1, "\(listed)")
        }
    }
}
