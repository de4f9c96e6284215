import Foundation
import Testing
@testable import BerthCore

@Suite("Base images")
struct BaseImageTests {
    @Test("references split into what the engine pulls")
    func split() {
        #expect(BaseImage.split("nginx:1.27-alpine") == ("nginx", "1.27-alpine"))
        #expect(BaseImage.split("127.0.0.1:5000/base/nginx:v2") == ("127.0.0.1:5000/base/nginx", "v2"))
        #expect(BaseImage.split("127.0.0.1:5000/base/nginx") == ("127.0.0.1:5000/base/nginx", "latest"))
        #expect(BaseImage.split("nginx@sha256:abc").name == "nginx@sha256:abc")
    }

    @Test("the registry a base image comes from")
    func registry() {
        #expect(BaseImage.registry(of: "nginx:1.27-alpine") == nil)
        #expect(BaseImage.registry(of: "berth-test/nginx:bookworm") == nil)
        #expect(BaseImage.registry(of: "127.0.0.1:5000/base/nginx:v2") == "127.0.0.1:5000")
        #expect(BaseImage.registry(of: "registry.example.com/nginx") == "registry.example.com")
        #expect(BaseImage.registry(of: "localhost/nginx") == "localhost")
    }

    @Test("berth's registry credentials go to berth's registry only, never to another one")
    func credentialsStayWithTheirRegistry() throws {
        let store = CredentialStore(environment: [
            "BERTH_REGISTRY_USER": "ann", "BERTH_REGISTRY_PASSWORD": "secret", "DOCKER_CONFIG": "/nonexistent",
        ])
        let own = try BaseImage.registryAuth(for: "127.0.0.1:5000/base/nginx:v2", publishRegistry: "127.0.0.1:5000",
                                             credentials: store)
        #expect(own != DockerEngine.anonymousRegistryAuth)
        for other in ["nginx:1.27-alpine", "registry.example.com/nginx:1"] {
            #expect(try BaseImage.registryAuth(for: other, publishRegistry: "127.0.0.1:5000", credentials: store)
                == DockerEngine.anonymousRegistryAuth)
        }
    }

    @Test("the version names the content and the base; up to date only on the same base")
    func versionAndLabels() {
        let summary = ContextSummary(digest: "sha256:" + String(repeating: "ab", count: 32), byteCount: 1)
        let old = BaseImage(reference: "nginx:1", id: "sha256:111111aaaa")
        let new = BaseImage(reference: "nginx:1", id: "sha256:222222bbbb")
        #expect(old.version(of: summary) == "abababababab-111111")
        #expect(old.version(of: summary) != new.version(of: summary))
        #expect(old.isBase(of: old.labels))
        #expect(!new.isBase(of: old.labels))
        #expect(!old.isBase(of: [:]), "a site built before the base was recorded is rebuilt")
    }

    @Test("a check_path gives the same files a version of their own, one per path, the same each time")
    func versionWithCheckPath() {
        let summary = ContextSummary(digest: "sha256:" + String(repeating: "ab", count: 32), byteCount: 1)
        let base = BaseImage(reference: "nginx:1", id: "sha256:111111aaaa")
        let about = base.version(of: summary, checkPath: "/about/")
        #expect(about.hasPrefix("abababababab-111111-") && about.count == "abababababab-111111-".count + 8, "\(about)")
        #expect(about == base.version(of: summary, checkPath: "/about/"))
        #expect(about != base.version(of: summary, checkPath: "/health.html"))
        #expect(base.version(of: summary, checkPath: nil) == "abababababab-111111", "without one, as before")
    }
}

@Suite("Large build contexts")
struct LargeContextWarningTests {
    @Test("a context above the threshold is warned about, naming the biggest files first")
    func warns() throws {
        let site = try TemporarySite()
        try site.write("index.html", "hi")
        try site.write("media/small.png", String(repeating: "x", count: 2000))
        let big = try site.write("disk.img", "")
        #expect(truncate(big, 400 << 20) == 0, "a sparse 400 MiB file")
        let tree = try Site.load(path: site.path).tree
        let text = try #require(try LargeContextWarning.text(byteCount: 420 << 20, tree: tree))
        #expect(text.contains("420 MiB") && text.contains("100 MiB"), "\(text)")
        #expect(text.contains("the biggest files: disk.img (400 MiB). "), "\(text)")
        #expect(text.contains(".dockerignore"))
        #expect(try LargeContextWarning.text(byteCount: 10 << 20, tree: tree) == nil)
    }
}
