import Testing

@testable import BerthCore

@Suite("DockerEndpoint")
struct EngineEndpointTests {
    @Test(arguments: [
        ("unix:///var/run/docker.sock", DockerEndpoint.unix(path: "/var/run/docker.sock")),
        ("/run/user/1000/docker.sock", DockerEndpoint.unix(path: "/run/user/1000/docker.sock")),
        ("  unix:///tmp/d.sock\n", DockerEndpoint.unix(path: "/tmp/d.sock")),
        ("tcp://10.0.0.5:2375", DockerEndpoint.tcp(host: "10.0.0.5", port: 2375)),
        ("tcp://docker.example", DockerEndpoint.tcp(host: "docker.example", port: 2375)),
        ("tcp://docker.example/", DockerEndpoint.tcp(host: "docker.example", port: 2375)),
        ("TCP://127.0.0.1:12375", DockerEndpoint.tcp(host: "127.0.0.1", port: 12375)),
        ("http://127.0.0.1:2375", DockerEndpoint.tcp(host: "127.0.0.1", port: 2375)),
        ("tcp://[::1]:2375", DockerEndpoint.tcp(host: "::1", port: 2375)),
        ("tcp://[fd00::2]", DockerEndpoint.tcp(host: "fd00::2", port: 2375)),
    ])
    func parsesPlainEndpoints(text: String, expected: DockerEndpoint) throws {
        #expect(try DockerEndpoint(parsing: text) == expected)
    }

    @Test func tcpWithCertificateDirectoryMeansTLSOnPort2376() throws {
        let endpoint = try DockerEndpoint(parsing: "tcp://host.test", tlsDirectory: "/certs/")
        let files = DockerEndpoint.TLSFiles(
            caPath: "/certs/ca.pem", certPath: "/certs/cert.pem", keyPath: "/certs/key.pem")
        #expect(endpoint == .tls(host: "host.test", port: 2376, certificates: files))
        #expect(endpoint.description == "tcp://host.test:2376 (TLS)")
    }

    @Test func httpsNeedsACertificateDirectory() throws {
        #expect(
            try DockerEndpoint(parsing: "https://h:3000", tlsDirectory: "/c")
                == .tls(
                    host: "h", port: 3000, certificates: .init(directory: "/c")))
        #expect(throws: EngineError.self) { try DockerEndpoint(parsing: "https://h:3000") }
    }

    @Test(arguments: [
        "", "   ", "docker.sock", "localhost:2375", "unix://", "unix://relative.sock", "tcp://", "tcp://:2375",
        "tcp://host:0", "tcp://host:65536", "tcp://host:port", "tcp://host:2375/path", "tcp://[::1",
        "ssh://user@host", "npipe:////./pipe/docker_engine", "ftp://host", "tcp://user@host:2375",
    ])
    func rejectsBadStringsNamingThem(text: String) {
        do {
            let endpoint = try DockerEndpoint(parsing: text)
            Issue.record("'\(text)' parsed as \(endpoint)")
        } catch {
            guard case .invalidEndpoint(let named, let reason) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(named == text)
            #expect(!reason.isEmpty)
            #expect(error.description.contains("'\(text)'"))
        }
    }

    @Test func environmentDefaultsToTheLocalSocket() throws {
        #expect(try DockerEndpoint.fromEnvironment([:]) == .unix(path: "/var/run/docker.sock"))
        #expect(try DockerEndpoint.fromEnvironment(["DOCKER_HOST": ""]) == .unix(path: "/var/run/docker.sock"))
    }

    @Test func environmentHonoursDockerHost() throws {
        #expect(
            try DockerEndpoint.fromEnvironment(["DOCKER_HOST": "tcp://127.0.0.1:12375"])
                == .tcp(host: "127.0.0.1", port: 12375))
        #expect(try DockerEndpoint.fromEnvironment(["DOCKER_HOST": "unix:///tmp/x.sock"]) == .unix(path: "/tmp/x.sock"))
    }

    @Test func environmentTLSVerifyUsesCertPathOrHome() throws {
        let withPath = try DockerEndpoint.fromEnvironment([
            "DOCKER_HOST": "tcp://10.1.2.3", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/etc/berth/certs",
        ])
        #expect(withPath == .tls(host: "10.1.2.3", port: 2376, certificates: .init(directory: "/etc/berth/certs")))

        let withHome = try DockerEndpoint.fromEnvironment([
            "DOCKER_HOST": "tcp://10.1.2.3:2999", "DOCKER_TLS_VERIFY": "1", "HOME": "/home/ann",
        ])
        #expect(withHome == .tls(host: "10.1.2.3", port: 2999, certificates: .init(directory: "/home/ann/.docker")))

        let verifyOff = try DockerEndpoint.fromEnvironment(["DOCKER_HOST": "tcp://10.1.2.3", "DOCKER_TLS_VERIFY": "0"])
        #expect(verifyOff == .tcp(host: "10.1.2.3", port: 2375))
    }

    @Test func environmentWithABadHostFailsNamingIt() {
        #expect(
            throws: EngineError.invalidEndpoint(
                "tcp//oops", reason: "expected unix:///path/to/docker.sock, tcp://host:port or https://host:port")
        ) {
            try DockerEndpoint.fromEnvironment(["DOCKER_HOST": "tcp//oops"])
        }
    }

    @Test func loopback() {
        #expect(DockerEndpoint.unix(path: "/var/run/docker.sock").isLoopback)
        #expect(DockerEndpoint.tcp(host: "127.0.0.1").isLoopback)
        #expect(DockerEndpoint.tcp(host: "127.10.0.3").isLoopback)
        #expect(DockerEndpoint.tcp(host: "localhost").isLoopback)
        #expect(DockerEndpoint.tcp(host: "::1").isLoopback)
        #expect(!DockerEndpoint.tcp(host: "10.0.0.1").isLoopback)
        #expect(!DockerEndpoint.tcp(host: "127.example.com").isLoopback)
        #expect(!DockerEndpoint.tls(host: "192.0.2.1", certificates: .init(directory: "/c")).isLoopback)
    }

    @Test func descriptions() {
        #expect(DockerEndpoint.unix(path: "/var/run/docker.sock").description == "unix:///var/run/docker.sock")
        #expect(DockerEndpoint.tcp(host: "::1", port: 2375).description == "tcp://[::1]:2375")
    }

    @Test func apiVersionNegotiation() {
        #expect(EngineAPIVersion("1.41") == EngineAPIVersion(major: 1, minor: 41))
        #expect(EngineAPIVersion("1.x") == nil)
        #expect(EngineAPIVersion("141") == nil)
        #expect(EngineAPIVersion.negotiated(withDaemon: EngineAPIVersion(major: 1, minor: 41))?.description == "1.41")
        #expect(EngineAPIVersion.negotiated(withDaemon: EngineAPIVersion(major: 1, minor: 42))?.description == "1.42")
        #expect(EngineAPIVersion.negotiated(withDaemon: EngineAPIVersion(major: 1, minor: 51))?.description == "1.47")
        #expect(EngineAPIVersion.negotiated(withDaemon: EngineAPIVersion(major: 1, minor: 40)) == nil)
        #expect(EngineAPIVersion(major: 1, minor: 9) < EngineAPIVersion(major: 1, minor: 41))
    }
}
