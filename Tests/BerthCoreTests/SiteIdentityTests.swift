import Foundation
import Testing
@testable import BerthCore

@Suite("Names derived from a site's identity")
struct SiteIdentityTests {
    /// Identities whose old names clashed: `berth-USER-SITE` and `berth-lock-USER-SITE`.
    static let tricky: [SiteIdentity] = [
        SiteIdentity(user: "probe-x", site: "y"), SiteIdentity(user: "probe", site: "x-y"),
        SiteIdentity(user: "lock", site: "probe-x"), SiteIdentity(user: "probe", site: "x"),
        SiteIdentity(user: "probe", site: "x-next"), SiteIdentity(user: "lock-probe", site: "x"),
        SiteIdentity(user: "a", site: "b-c-d"), SiteIdentity(user: "a-b", site: "c-d"),
        SiteIdentity(user: "a-b-c", site: "d"), SiteIdentity(user: "berth", site: "lock"),
        SiteIdentity(user: "next", site: "a"), SiteIdentity(user: "a", site: "next"),
    ]

    @Test("no two identities share a container, staging, lock or image name, and no kinds overlap")
    func injective() {
        var seen: [String: String] = [:]
        for identity in Self.tricky {
            let names = [
                ("container", identity.containerName), ("staging", identity.stagingContainerName),
                ("lock", identity.lockContainerName), ("image", identity.repository(registry: nil)),
            ]
            for (kind, name) in names {
                let owner = "\(kind) of \(identity)"
                #expect(seen[name] == nil, "\(name) is both the \(seen[name] ?? "") and the \(owner)")
                seen[name] = owner
            }
        }
        // The clashes of the old scheme, which this one has no longer.
        #expect(SiteIdentity(user: "probe-x", site: "y").legacyContainerName
            == SiteIdentity(user: "probe", site: "x-y").legacyContainerName)
        #expect(SiteIdentity(user: "lock", site: "probe-x-y").legacyContainerName
            == DeployLockLegacyName.of(SiteIdentity(user: "probe", site: "x-y")))
    }

    @Test("every name can be read back into the identity it came from")
    func readBack() {
        for identity in Self.tricky {
            let parts = identity.containerName.dropFirst("berth--".count).components(separatedBy: "--")
            #expect(parts == [identity.user, identity.site])
        }
    }

    @Test("a site's own container is recognised under its name or the legacy one, never as staging or lock")
    func siteContainerNames() {
        let identity = SiteIdentity(user: "ann", site: "blog")
        #expect(identity.isSiteContainerName("berth--ann--blog"))
        #expect(identity.isSiteContainerName("berth-ann-blog"))
        #expect(!identity.isSiteContainerName(identity.stagingContainerName))
        #expect(!identity.isSiteContainerName(identity.lockContainerName))
        #expect(!identity.isSiteContainerName("berth-ann-blog-next"))
    }

    @Test("directory names that give no name, or a reserved one, are refused unless --name is given")
    func directoryNames() throws {
        let scratch = try TemporarySite()
        for directory in ["日本", "中文", "lock", "next", "__", "LOCK"] {
            try scratch.write("\(directory)/index.html", "hi")
            let site = try Site.load(path: scratch.path + "/" + directory)
            #expect(site.defaultName == nil)
            #expect {
                _ = try site.identity(name: nil, user: "ann")
            } throws: { error in
                let text = "\(error)"
                return text.contains("'\(directory)'") && text.contains("--name")
            }
            #expect(try site.identity(name: "named", user: "ann") == SiteIdentity(user: "ann", site: "named"))
        }
        try scratch.write("My Site/index.html", "hi")
        #expect(try Site.load(path: scratch.path + "/My Site").identity(name: nil, user: "ann").site == "my-site")
        try scratch.write("inner/index.html", "hi")
        let dotted = try Site.load(path: scratch.path + "/inner/../inner/.")
        #expect(dotted.defaultName == "inner")
    }

    @Test("reserved and malformed names are refused as --name and --user")
    func explicitNames() throws {
        let scratch = try TemporarySite()
        try scratch.write("blog/index.html", "hi")
        let site = try Site.load(path: scratch.path + "/blog")
        #expect(throws: SiteNameError.reserved("lock", role: .site)) { try site.identity(name: "lock", user: "ann") }
        #expect(throws: SiteNameError.reserved("lock", role: .user)) { try site.identity(name: nil, user: "lock") }
        for bad in ["a--b", "-a", "a-", "A", "a_b", ""] {
            #expect(throws: SiteNameError.invalid(bad, role: .site)) { try site.identity(name: bad, user: "ann") }
        }
        #expect(throws: SiteNameError.invalid("", role: .user)) { try site.identity(name: nil, user: "") }
        #expect(SiteName.sanitized(String(repeating: "a", count: 62) + "-bc").count <= SiteName.maximumLength)
        #expect(!SiteName.sanitized(String(repeating: "a", count: 62) + "-bc").hasSuffix("-"))
    }
}

/// The lock name the previous berth gave a site, to show the clash it had with user `lock`'s containers.
enum DeployLockLegacyName {
    static func of(_ identity: SiteIdentity) -> String { "berth-lock-\(identity.user)-\(identity.site)" }
}
