import ArgumentParser
import BerthCore
import Foundation

struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Build a site's image, push it when a registry is configured, and run it on a host.",
        discussion: """
            The new version replaces the running one only once it answers 200 on /; if it does not, the previous \
            version keeps serving and publish exits non-zero. Publishing unchanged content does nothing. \
            The site's URL is printed on standard output.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The site directory; several publish concurrently (see --jobs).", completion: .directory)
    var sites: [String]

    @Option(name: .customLong("build-host"),
            help: "Build on this host, push, and let the target host pull the image (needs a registry).")
    var buildHost: String?

    @Option(help: "How many sites to publish at once.")
    var jobs: Int = 1

    @OptionGroup var hostOptions: HostOptions

    @OptionGroup var image: ImageOptions

    @Option(help: "Memory limit, e.g. 64m, 512MiB, 1g (default: berth.yml's memory, else 64m).")
    var memory: String?

    @Option(help: "Host port: auto or a number (default: berth.yml's port, else auto).")
    var port: String?

    @Option(help: "Push to this registry, e.g. registry.example.com:5000 (default: $BERTH_REGISTRY, else the inventory's).")
    var registry: String?

    @Option(help: "The version tag (default: derived from the build context's digest).")
    var tag: String?

    @OptionGroup var check: ServeCheckOptions

    @Option(help: "How many versions' images to keep on the host, the new one included; older ones are removed.")
    var keep: Int = PublishOptions.defaultKeptVersions

    @OptionGroup var lock: LockOptions


    @Flag(help: "Print JSON lines: progress events, then the result (or the error).")
    var json = false

    func validate() throws {
        guard !sites.isEmpty else { throw ValidationError("name at least one site directory") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if sites.count > 1 && image.name != nil {
            throw ValidationError("--name names one site; leave it out when publishing several (each takes its directory's name)")
        }
        if let tag, !Self.isValidTag(tag) {
            throw ValidationError("--tag '\(tag)' is not a valid image tag (letters, digits, _ . -; at most 128)")
        }
        guard keep > 0 else { throw ValidationError("--keep must be at least 1: the version that runs is always kept") }
    }

    static func isValidTag(_ tag: String) -> Bool {
        guard let first = tag.unicodeScalars.first, tag.count <= 128 else { return false }
        let allowed = { (scalar: Unicode.Scalar) in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "_.-".unicodeScalars.contains(scalar))
        }
        return allowed(first) && first != "." && first != "-" && tag.unicodeScalars.allSatisfy(allowed)
    }

    func run() async throws {
        try await reportingErrors(json: json) {
            try global.bootstrapLogging()
            let environment = ProcessInfo.processInfo.environment
            let inventory = try hostOptions.inventory(environment: environment)
            let options = try publishOptions(inventory: inventory, environment: environment)
            let builder = try buildHost.map { name -> (host: DockerHost, engine: DockerEngine) in
                let host = try inventory.host(named: name)
                return (host, DockerEngine(endpoint: host.endpoint))
            }
            let job = PublishJob(inventory: inventory, hostName: hostOptions.host, builder: builder, options: options,
                                 templates: try image.templates.locate(environment: environment), environment: environment)
            if sites.count == 1, let site = sites.first {
                let output = PublishOutput(json: json)
                let result = try await InterruptForwarder.cancellingOnInterrupt {
                    try await job.publish(sitePath: site) { output.show($0) }
                }
                output.finish(result)
                return
            }
            let outcomes = try await InterruptForwarder.cancellingOnInterrupt { [sites, jobs, json] in
                await job.publishAll(
                    sites, jobs: jobs,
                    events: { sitePath, event in PublishOutput(json: json, sitePath: sitePath).show(event) },
                    finished: { sitePath, result in
                        let output = PublishOutput(json: json, sitePath: sitePath)
                        switch result {
                        case .success(let published): output.finish(published)
                        case .failure(let error): output.fail(error)
                        }
                    })
            }
            Self.summarize(outcomes, json: json)
            if outcomes.contains(where: { if case .failure = $0.result { true } else { false } }) {
                throw ExitStatus.failure
            }
        }
    }

    func publishOptions(inventory: Inventory, environment: [String: String]) throws -> PublishOptions {
        var options = PublishOptions(user: try image.user.map(Self.checkedName) ?? SiteIdentity.defaultUser(environment: environment))
        options.siteName = try image.name.map(Self.checkedName)
        options.server = image.server
        options.baseImage = image.baseImage
        options.memory = try memory.map { try MemoryLimit(parsing: $0) }
        options.port = try port.map { try PortRequest(parsing: $0) }
        options.registry = registry ?? environment["BERTH_REGISTRY"] ?? inventory.registry
        options.tag = tag
        options.dereference = image.dereference
        options.checkTimeout = check.duration
        options.lockWait = lock.duration
        options.keepVersions = keep
        return options
    }

    static func summarize(_ outcomes: [PublishJob.Outcome], json: Bool) {
        if json {
            let records: [[String: Any]] = outcomes.map { outcome in
                switch outcome.result {
                case .success(let result):
                    return ["sitePath": outcome.sitePath, "ok": true, "host": result.host, "url": result.url,
                            "upToDate": result.upToDate]
                case .failure(let error):
                    return ["sitePath": outcome.sitePath, "ok": false, "error": "\(error)"]
                }
            }
            Console.jsonLine(["event": "summary", "sites": records,
                              "failed": records.filter { $0["ok"] as? Bool == false }.count])
            return
        }
        var rows = [["SITE", "HOST", "RESULT", "URL OR ERROR"]]
        for outcome in outcomes {
            switch outcome.result {
            case .success(let result):
                rows.append([outcome.sitePath, result.host, result.upToDate ? "up to date" : "published", result.url])
            case .failure(let error):
                let firstLine = "\(error)".split(separator: "\n").first.map(String.init) ?? ""
                rows.append([outcome.sitePath, outcome.host ?? "-", "FAILED", firstLine])
            }
        }
        Console.writeOutput(TextTable.render(rows))
    }

    static func checkedName(_ name: String) throws -> String {
        guard SiteName.isValid(name) else {
            throw CommandError("'\(name)' may hold only lower-case letters, digits and dashes (at most 63)")
        }
        return name
    }
}
