import BerthCore
import Foundation
import Hummingbird

/// `POST /v1/sites/{site}/publish` (the site's files as a tar, streamed) and `…/publish/check` (is this upload
/// already what serves?). The server picks the user (the token's), the host, the base image, the port and the
/// Dockerfile; the client picks only the site's files, its memory (within the quota), the server kind, the tag,
/// how many versions to keep (within the quota), the check's time-out, whether to pull the base image, and a
/// host among those the user may publish to (`HostPinning`).
extension SiteServer {
    /// Options a client might send that only the server chooses.
    static let refusedParameters = ["base-image", "port", "dereference", "user", "build-host", "registry"]

    func addPublishRoutes(to table: inout RouteTable) {
        table.add(.post, "/v1/sites/{site}/publish/check") { request, context in
            let (caller, site) = try await authorized(request, context, .deploy)
            let check = try await request.decode(as: RemotePublishCheck.self, context: context)
            if let memory = check.memory, memory < MemoryLimit.dockerMinimum.bytes {
                throw BerthProblem(.usage, "memory \(memory) is not valid: give bytes, at least "
                    + "\(MemoryLimit.dockerMinimum.bytes) (\(MemoryLimit.dockerMinimum.readable))")
            }
            return try ProblemResponse.json(try await upToDate(check, caller: caller, site: site))
        }
        table.add(.post, "/v1/sites/{site}/publish") { request, context in
            try await publish(request, context)
        }
    }

    func upToDate(_ check: RemotePublishCheck, caller: Caller, site: String) async throws -> RemotePublishCheck.Answer {
        let notUpToDate = RemotePublishCheck.Answer(upToDate: false, result: nil)
        guard let last = try await store.lastSucceededDeploy(user: caller.user, site: site),
              last.uploadDigest == check.digest, check.memory.map({ $0 == last.memory }) ?? true,
              check.server.map({ $0.rawValue == last.server }) ?? true
        else { return notUpToDate }
        let listing = try await operations.sites(user: caller.user, sampleMemory: false)
        guard let status = listing.sites.first(where: { $0.site == site }), status.state == .running,
              check.host.map({ $0 == PublishJob.automaticHost || $0 == status.host }) ?? true,
              status.version == BuildVersion.of(last.digest, in: status),
              let result = PublishResult(upToDate: status, digest: last.digest, memoryLimit: last.memory)
        else { return notUpToDate }
        return RemotePublishCheck.Answer(upToDate: true, result: result)
    }

    func publish(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let (caller, site) = try await authorized(request, context, .deploy)
        let query = QueryValues(request)
        let refused = Self.refusedParameters.filter { query.string($0) != nil }
        guard refused.isEmpty else {
            throw BerthProblem(.usage, "not for a publish through a server: \(refused.joined(separator: ", ")) "
                + "(the server chooses the user, host, base image, port and registry)")
        }
        guard let digest = query.string("digest"), digest.hasPrefix("sha256:") else {
            throw BerthProblem(.usage, "digest is missing: send the upload's sha256:… digest")
        }
        var options = PublishOptions(siteName: site, user: caller.user, port: .auto, registry: config.registry)
        if let bytes = try query.number("memory", in: MemoryLimit.dockerMinimum.bytes...Int64.max) {
            options.memory = MemoryLimit(bytes: bytes)
        }
        if let text = query.string("server") {
            guard let server = ServerKind(rawValue: text) else {
                throw BerthProblem(.usage, "server '\(text)' is not valid: use nginx or python")
            }
            options.server = server
        }
        if let tag = query.string("tag") {
            guard VersionTag.isValid(tag) else {
                throw BerthProblem(.usage, "tag '\(tag)' is not valid: letters, digits, _ . - (not first), at most 128")
            }
            options.tag = tag
        }
        options.checkTimeout = try query.seconds("check-timeout", default: 30, max: 600)
        options.lockWait = try query.seconds("lock-wait", default: 120, max: 3600)
        options.pullBaseImage = try query.flag("pull")
        let quotas = try await quotas(of: caller.user)
        let keep = try query.number("keep", in: 1...1000) ?? Int64(PublishOptions.defaultKeptVersions)
        options.keepVersions = Int(min(keep, quotas.versions ?? keep))
        try await checkRate(caller, quotas)
        if let memory = options.memory { try checkSiteMemory(memory, quotas) }
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), let limit = quotas.uploadSize,
           length > limit {
            throw BerthProblem(.quotaExceeded, "the upload is \(ReadableUnits.bytes(length)), more than the "
                + "upload_size quota of \(ReadableUnits.bytes(limit)); nothing was read or built",
                quota: "upload_size", limit: limit, use: length)
        }
        let publishing = try await placement(for: caller, site: site, requested: query.string("host"))
        let key = try await enter(caller, site, lockWait: options.lockWait)
        let directory: String
        do {
            directory = try makePrivateDirectory()
        } catch {
            await gate.release(key)
            throw error
        }
        @Sendable func abandon() async {
            try? FileManager.default.removeItem(atPath: directory)
            await gate.release(key)
        }
        let sitePath = directory + "/" + SiteUpload.rootDirectory
        let received: UploadReceiver.Received
        do {
            received = try await UploadReceiver.receive(
                request.body, into: directory, maxBytes: quotas.uploadSize, maxEntries: quotas.files ?? 200_000,
                stallTimeout: .seconds(config.uploadTimeout))
            guard received.digest == digest else {
                throw BerthProblem(.uploadRefused, "the upload's digest is \(received.digest), not the \(digest) "
                    + "announced (it changed on the way, or the client packed it twice differently); nothing was built")
            }
            guard FileManager.default.fileExists(atPath: sitePath) else {
                throw BerthProblem(.uploadRefused, "the upload has no \(SiteUpload.rootDirectory)/ directory; nothing was built")
            }
            let loaded = try Site.load(path: sitePath)
            if let port = loaded.config.port {
                throw BerthProblem(.usage, "berth.yml sets port: \(port), but a server picks the port itself; "
                    + "remove port from berth.yml to publish through it")
            }
            // A name is served for a user only once the operator allowed it for them, so that no user takes
            // another's domain (or anybody's) through the edge.
            let allowed = Set(try await store.domains(user: caller.user))
            if let refused = loaded.config.domains.first(where: { !allowed.contains($0.name) }) {
                throw BerthProblem(.forbidden, "berth.yml asks for the domain \(refused), which the operator has not "
                    + "allowed for \(caller.user); an admin allows it with: berth admin domain allow \(caller.user) "
                    + "\(refused)")
            }
            let memory = options.memory ?? loaded.config.memory ?? .defaultLimit
            try checkSiteMemory(memory, quotas)
            try await checkSitesAndMemory(caller: caller, site: site, memory: memory, quotas)
            options.memory = memory
        } catch {
            await abandon()
            await audit(caller, "publish", site: site, digest: digest, outcome: .failure(error))
            throw error
        }
        let deploy = try await store.startDeploy(user: caller.user, token: caller.token.id, site: site,
                                                 uploadDigest: received.digest)
        let store = store
        let server = options.server?.rawValue
        let finalOptions = options
        return ProgressStream.response(rewriting: sitePath, operation: { events in
            try await publishing.publish(sitePath: sitePath, options: finalOptions, events: events)
        }, finished: { result in
            let loaded = try? Site.load(path: sitePath)
            let kind = server ?? loaded?.config.server?.rawValue ?? ServerKind.nginx.rawValue
            try? await store.finishDeploy(deploy, result: try? result.get(), server: kind,
                                          error: (try? result.get()) == nil ? result.failureText : nil)
            await audit(caller, "publish", site: site, digest: received.digest, outcome: result.map { _ in () })
            await abandon()
        })
    }

    func checkRate(_ caller: Caller, _ quotas: Quotas) async throws {
        guard let limit = quotas.publishesPerHour else { return }
        let now = Date()
        let (count, oldest) = try await store.publishes(user: caller.user, since: now.addingTimeInterval(-3600))
        guard count >= limit else { return }
        let wait = max(1, Int((oldest ?? now).addingTimeInterval(3600).timeIntervalSince(now).rounded(.up)))
        let problem = BerthProblem(.rateLimited, "\(caller.user) has published \(count) times in the last hour, the "
            + "publishes_per_hour quota is \(limit); try again in \(wait) s", quota: "publishes_per_hour",
            limit: limit, use: Int64(count))
        await audit(caller, "publish", outcome: .failure(problem))
        throw RetryLater(problem: problem, seconds: wait)
    }

    func checkSiteMemory(_ memory: MemoryLimit, _ quotas: Quotas) throws(BerthProblem) {
        if let limit = quotas.siteMemory, memory.bytes > limit {
            throw BerthProblem(.quotaExceeded, "the site asks for \(memory.readable) of memory, more than the site_memory "
                + "quota of \(ReadableUnits.bytes(limit)); nothing was built", quota: "site_memory", limit: limit,
                use: memory.bytes)
        }
    }

    func checkSitesAndMemory(caller: Caller, site: String, memory: MemoryLimit, _ quotas: Quotas) async throws {
        let listing = try await operations.sites(user: caller.user, sampleMemory: false)
        let others = listing.sites.filter { $0.site != site }
        let otherSites = Set(others.map(\.site))
        if let limit = quotas.sites, !listing.sites.contains(where: { $0.site == site }),
           Int64(otherSites.count) >= limit {
            throw BerthProblem(.quotaExceeded, "\(caller.user) has \(otherSites.count) sites, the sites quota is "
                + "\(limit): remove one (`berth rm SITE`) before publishing a new one; nothing was built",
                quota: "sites", limit: limit, use: Int64(otherSites.count))
        }
        if let limit = quotas.memory {
            let used = others.compactMap(\.memoryLimit).reduce(0, +)
            if used + memory.bytes > limit {
                throw BerthProblem(.quotaExceeded, "\(caller.user)'s sites would have \(ReadableUnits.bytes(used + memory.bytes)) "
                    + "of memory in all (\(ReadableUnits.bytes(used)) now, plus \(memory.readable)), more than the memory "
                    + "quota of \(ReadableUnits.bytes(limit)); nothing was built", quota: "memory", limit: limit,
                    use: used + memory.bytes)
            }
        }
    }

    /// Removes the upload directories of publishes a server cut off when it stopped (killed mid-publish); called
    /// before the server takes requests, so none of them is in use.
    func removeAbandonedUploads() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: config.uploadDirectory)) ?? []
        for name in names where name.hasPrefix("upload-") {
            try? FileManager.default.removeItem(atPath: config.uploadDirectory + "/" + name)
        }
    }

    /// A new directory only the server's user can enter, under the config's upload directory.
    func makePrivateDirectory() throws -> String {
        try FileManager.default.createDirectory(atPath: config.uploadDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        var template = Array((config.uploadDirectory + "/upload-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw BerthProblem(.failed, "the server cannot make a directory for the upload in \(config.uploadDirectory): "
                + String(cString: strerror(errno)))
        }
        return String(cString: made)
    }
}

/// The version tag a site's status shows for a build digest (the status does not carry the digest itself).
enum BuildVersion {
    static func of(_ digest: String, in status: SiteStatus) -> String? {
        guard let version = status.version,
              version.hasPrefix(ContextSummary.version(ofDigest: digest)) else { return nil }
        return version
    }
}

extension Result where Failure == any Error {
    var failureText: String? {
        if case .failure(let error) = self { return ProblemResponse.problem(for: error).detail }
        return nil
    }
}
