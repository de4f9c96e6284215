import Foundation
import Testing
@testable import BerthCore

@Suite("Registry challenges and copies")
struct RegistryChallengeTests {
    @Test func basic() {
        #expect(RegistryChallenge(header: #"Basic realm="berth-test""#)
                == RegistryChallenge(scheme: .basic, parameters: ["realm": "berth-test"]))
    }

    @Test func bearerWithCommasInQuotes() {
        let header = #"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:ann/blog:pull,push""#
        #expect(RegistryChallenge(header: header) == RegistryChallenge(scheme: .bearer, parameters: [
            "realm": "https://auth.example.com/token", "service": "registry.example.com",
            "scope": "repository:ann/blog:pull,push",
        ]))
    }

    @Test func unknownScheme() {
        #expect(RegistryChallenge(header: "Negotiate abc") == nil)
    }

    @Test("plain HTTP only for loopback registries")
    func scheme() {
        #expect(RegistryClient(registry: "127.0.0.1:5000", credentials: nil).baseURL == "http://127.0.0.1:5000")
        #expect(RegistryClient(registry: "localhost:5000", credentials: nil).baseURL == "http://localhost:5000")
        #expect(RegistryClient(registry: "[::1]:5000", credentials: nil).baseURL == "http://[::1]:5000")
        #expect(RegistryClient(registry: "registry.example.com", credentials: nil).baseURL
                == "https://registry.example.com")
    }

    @Test("rm --registry deletes where the images were pushed, and in the configured registry")
    func registriesOfASite() {
        let identity = SiteIdentity(user: "ann", site: "blog")
        let versions = [
            SiteVersion(version: "v1", imageID: "sha256:1", created: .now, size: 0,
                        tags: ["r.example.com:5000/ann/blog:v1", "r.example.com:5000/ann/blog:latest"]),
            SiteVersion(version: "v0", imageID: "sha256:0", created: .now, size: 0, tags: ["ann/blog:v0"]),
        ]
        let copies = RegistryCopies(configured: "other:5000", credentials: CredentialStore(environment: [:]))
        #expect(copies.registries(of: identity, versions: versions) == ["other:5000", "r.example.com:5000"])
    }
}
