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

    @Option(help: "How many sites to publish at once.", transform: WholeNumber<OneOrMore>.parse)
    var jobs = WholeNumber<OneOrMore>(1)

    @OptionGroup var hostOptions: HostOptions

    @OptionGroup var image: ImageOptions

    @Option(help: "Memory limit, e.g. 64m, 512MiB, 1g (default: berth.yml's memory, else 64m).",
            transform: MemoryLimit.parse)
    var memory: MemoryLimit?

    @Option(help: "Host port: auto or a number (default: berth.yml's port, else auto).", transform: PortRequest.parse)
    var port: PortRequest?

    @Option(name: .customLong("domain"),
            help: ArgumentHelp("A name the host's edge serves the site under, besides SITE--USER.DOMAIN (repeatable).",
                               valueName: "name"),
            transform: EdgeHostname.parse)
    var domains: [EdgeHostname] = []

    @Option(help: "Push to this registry, e.g. registry.example.com:5000 (default: $BERTH_REGISTRY, else the inventory's).")
    var registry: String?

    @Option(help: "The version tag (default: derived from the build context's digest).", transform: ImageTag.parse)
    var tag: ImageTag?

    @OptionGroup var check: ServeCheckOptions

    @Option(help: ArgumentHelp("How many versions' images to keep on the host, the new one included; older ones are removed (default: \(PublishOptions.defaultKeptVersions)).", valueName: "n"),
            transform: WholeNumber<OneOrMore>.parse)
    var keep = WholeNumber<OneOrMore>(PublishOptions.defaultKeptVersions)

    @OptionGroup var lock: LockOptions


    @Flag(help: "Pull the base image before building, so that the site is rebuilt on a newer one (a security fix).")
    var pull = false

    @OptionGroup var remote: RemoteOptions

    @Flag(help: "Print JSON lines: progress events, then the result (or the error).")
    var json = false

    func validate() throws {
        guard !sites.isEmpty else { throw ValidationError("name at least one site directory") }
        if sites.count > 1 && image.name != nil {
            throw ValidationError("--name names one site; leave it out when publishing several (each takes its directory's name)")
        }
    }

    func run() async throws {
        try await reportingErrors(json: json) {
            try global.bootstrapLogging()
            let environment = ProcessInfo.processInfo.environment
            let (operations, options) = try backend(environment: environment)
            let output = PublishOutput(json: json, verbose: global.verbose, several: sites.count > 1)
            if sites.count == 1, let site = sites.first {
                do {
                    let result = try await InterruptForwarder.cancellingOnInterrupt {
                        try await operations.publish(sitePath: site, options: options) { output.show($0) }
                    }
                    output.finish(result)
                } catch {
                    output.showHeldBuildOutput()
                    throw error
                }
                return
            }
            let outcomes = try await InterruptForwarder.cancellingOnInterrupt { [sites, jobs] in
                await operations.publishAll(
                    sites, jobs: jobs.value, options: options,
                    events: { sitePath, event in output.show(event, sitePath: sitePath) },
                    finished: { sitePath, result in
                        switch result {
                        case .success(let published): output.finish(published, sitePath: sitePath)
                        case .failure(let error): output.fail(error, sitePath: sitePath)
                        }
                    })
            }
            Self.summarize(outcomes, json: json)
            if outcomes.contains(where: { if case .failure = $0.result { true } else { false } }) {
                throw ExitStatus.failure
            }
        }
    }

    /// The server when a remote is selected (which refuses what only it may choose), else the engines.
    func backend(environment: [String: String]) throws -> (any SiteOperations, PublishOptions) {
        if let endpoint = try remote.endpoint(environment: environment) {
            // --host names one of the server's hosts (it refuses those the user is not pinned to).
            try RemoteChoice.refuseLocalOptions(host: nil, hosts: hostOptions.inventoryOptions.path,
                                                user: image.user?.value)
            if registry != nil || image.templates.directory != nil || buildHost != nil {
                throw UsageError("--registry, --templates and --build-host cannot be used through a berth server: "
                    + "it uses its own")
            }
            var options = try publishOptions(user: "remote", registry: nil)
            options.port = port
            let refused = RemoteSiteOperations.refusedOptions(options)
            guard refused.isEmpty else {
                throw UsageError("not for a publish through a berth server: " + refused.joined(separator: ", "))
            }
            return (RemoteSiteOperations(endpoint: endpoint, hostName: hostOptions.host), options)
        }
        let inventory = try hostOptions.inventory(environment: environment)
        let options = try publishOptions(
            user: try UserChoice.owner(image.user, environment: environment, announcingDefault: true),
            registry: registry ?? environment["BERTH_REGISTRY"] ?? inventory.registry)
        let builder = try buildHost.map { name -> (host: DockerHost, engine: DockerEngine) in
            let host = try inventory.host(named: name)
            return (host, DockerEngine(endpoint: host.endpoint))
        }
        let operations = LocalSiteOperations(inventory: inventory, hostName: hostOptions.host, builder: builder,
                                             templates: try image.templates.locate(environment: environment),
                                             environment: environment)
        return (operations, options)
    }

    func publishOptions(user: String, registry: String?) throws -> PublishOptions {
        var options = PublishOptions(user: user)
        options.siteName = image.name?.value
        options.server = image.server
        options.baseImage = image.baseImage
        options.memory = memory
        options.port = port
        options.registry = registry
        options.tag = tag?.value
        options.dereference = image.dereference
        options.checkTimeout = check.duration
        options.lockWait = lock.duration
        options.keepVersions = keep.value
        options.pullBaseImage = pull
        options.domains = domains
        return options
    }

    static func summarize(_ outcomes: [PublishJob.Outcome], json: Bool) {
        if json {
            let sites = outcomes.map { outcome in
                switch outcome.result {
                case .success(let result): PublishSummaryRecord.Site.published(outcome.sitePath, result)
                case .failure(let error): PublishSummaryRecord.Site.failed(outcome.sitePath, error: "\(error)")
                }
            }
            try? Console.jsonLine(PublishSummaryRecord(sites: sites))
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
}
