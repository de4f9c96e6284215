import BerthCore
import Testing
@testable import BerthServer

/// Which HTTP status a failure of the local operations leaves the server with: a site that does not build or serve
/// is the user's site's failure (422), an engine that cannot be reached is a bad gateway (502), and only the
/// server's own faults are 500.
@Suite("Failures map to the HTTP status that says whose fault they are")
struct ProblemMappingTests {
    static let identity = SiteIdentity(user: "alice", site: "blog")

    @Test("a failed check, a container that did not start, a failed build step and a started site that does not serve are 422 site-failed")
    func siteFailures() {
        let failures: [any Error] = [
            PublishError.checkFailed(url: "http://127.0.0.1:8080/", reason: "no 200 within 1 s", logs: [],
                                     previous: .untouched(running: true)),
            PublishError.startFailed(reason: "exit code 1", logs: [], previous: .none),
            EngineError.inBand(operation: "build the image berth/alice-blog:1", message: "RUN false: exit code 1"),
            SiteOperationError.notServing(Self.identity, host: "local", url: "http://127.0.0.1:8080/",
                                          reason: "it answered 503", logs: []),
        ]
        for failure in failures {
            let problem = ProblemResponse.problem(for: failure)
            #expect(problem.code == .siteFailed && problem.status == 422, "\(failure)")
            #expect(problem.detail == "\(failure)", "the message is the CLI's")
        }
    }

    @Test("an engine that cannot be reached, fails TLS, times out or breaks the connection is 502 engine-unreachable")
    func engineUnreachable() {
        let endpoint = DockerEndpoint.tcp(host: "10.0.0.1")
        let failures: [EngineError] = [
            .unreachable(endpoint, reason: "connection refused"), .tls(endpoint, reason: "unknown CA"),
            .timeout(operation: "list containers", seconds: 10),
            .connectionLost(operation: "create a container", reason: "reset"),
            .notAnEngine(endpoint, reason: "no Docker headers"),
        ]
        for failure in failures {
            let problem = ProblemResponse.problem(for: failure)
            #expect(problem.code == .engineUnreachable && problem.status == 502, "\(failure)")
        }
    }

    @Test("the server's own faults stay 500 failed; every code has one status")
    func serverFaults() {
        #expect(ProblemResponse.problem(for: EngineError.api(operation: "start", status: 500, message: "x")).status == 500)
        #expect(ProblemResponse.problem(for: PublishError.noFreePort(host: "local", range: 8000...8001)).status == 500)
        #expect(BerthProblem(.siteFailed, "x").status == 422 && BerthProblem(.engineUnreachable, "x").status == 502)
    }
}
