import Foundation
import Testing
@testable import BerthCore

@Suite("Delta image loads", .blockingCalls)
struct DeltaLoadTests {
    /// What a publish falls back from: a delta whose lower layer the engine does not have is refused as such
    /// (the publish then builds in full), and leaves no image.
    @Test("a delta on a layer the engine lacks is refused as a missing lower layer", .timeLimit(.minutes(5)))
    func missingLowerLayer() async throws {
        try await PublishFixture.run { fixture in
            let site = try fixture.copyOfSite()
            let context = try Site.load(path: site).buildContext(
                templates: .builtIn, identity: SiteIdentity(user: fixture.user, site: "hello"), server: .nginx,
                baseImage: try ImageReference(parsing: fixture.nginxImage))
            let (_, manifest) = try await context.summaryAndManifest()
            guard case .object(var image)? = try await fixture.engine.inspectImageJSON(fixture.nginxImage),
                  case .object(var rootFS)? = image["RootFS"], case .array(let layers)? = rootFS["Layers"]
            else { throw FixtureError("the base image has no RootFS.Layers") }
            rootFS["Layers"] = .array(layers + [.string("sha256:" + String(repeating: "0", count: 63) + "1")])
            image["RootFS"] = .object(rootFS)
            let basis = DeltaBasis(previousImageID: "sha256:none", previousVersion: "none", previousImage: .object(image),
                                   previousLabels: [BerthLabel.user: fixture.user],
                                   diff: ManifestDiff(from: SiteManifest(entries: []), to: manifest),
                                   manifest: manifest, depth: 0, deltaBytes: 0)
            let tag = "\(fixture.user)/missing:1"
            await #expect {
                _ = try await DeltaImage(basis: basis, siteRoot: context.tree.root, sitePath: site)
                    .make(on: fixture.engine, labels: [:], tags: [tag])
            } throws: { error in
                guard case DeltaRefusal.lowerLayerMissing = error else { return false }
                return true
            }
            #expect(try await fixture.engine.inspectImage(tag) == nil)
        }
    }
}
