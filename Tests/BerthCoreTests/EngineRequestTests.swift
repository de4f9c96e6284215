import Foundation
import NIOCore
import Testing

@testable import BerthCore

@Suite("Engine requests, models and error texts")
struct EngineRequestTests {
    @Test func queryPercentEncodesPlusAndJSON() {
        var query = EngineQuery()
        query.add("t", "site:1.0+build.5")
        query.add("t", "site:latest")
        query.add("filters", #"{"label":["berth.site=a b"]}"#)
        query.add("rm", true)
        query.add("pull", false)
        #expect(
            query.encoded
                == "t=site%3A1.0%2Bbuild.5&t=site%3Alatest&filters=%7B%22label%22%3A%5B%22berth.site%3Da%20b%22%5D%7D&rm=1&pull=0"
        )
        #expect(!query.encoded.contains("+"))
    }

    @Test func queryEncodesNonASCIIAsUTF8() {
        var query = EngineQuery()
        query.add("labels", "é&=?#")
        #expect(query.encoded == "labels=%C3%A9%26%3D%3F%23")
    }

    @Test func pathsKeepImageReferenceSeparators() {
        #expect(EngineQuery.percentEncodePath("127.0.0.1:5000/team/site:v1") == "127.0.0.1:5000/team/site:v1")
        #expect(EngineQuery.percentEncodePath("a b?c#d+e") == "a%20b%3Fc%23d%2Be")
    }

    @Test func buildQueryCarriesEveryOption() throws {
        let options = BuildOptions(
            tags: ["site:1", "site:latest"],
            labels: ["berth.site": "blog", "berth.test": "1"],
            dockerfile: "berth/Dockerfile",
            buildArguments: ["A": "x+y"],
            pull: true,
            memoryLimit: 268_435_456
        )
        let items = try DockerEngine.buildQuery(options).items
        func values(_ name: String) -> [String] { items.filter { $0.name == name }.map(\.value) }
        #expect(values("t") == ["site:1", "site:latest"])
        #expect(values("labels") == [#"{"berth.site":"blog","berth.test":"1"}"#])
        #expect(values("buildargs") == [#"{"A":"x+y"}"#])
        #expect(values("dockerfile") == ["berth/Dockerfile"])
        #expect(values("rm") == ["1"])
        #expect(values("forcerm") == ["1"])
        #expect(values("pull") == ["1"])
        #expect(values("memory") == ["268435456"])
        #expect(values("nocache").isEmpty)
        #expect(try DockerEngine.buildQuery(options).encoded.contains("buildargs=%7B%22A%22%3A%22x%2By%22%7D"))
    }

    @Test func labelFilterIsDockerFiltersJSON() throws {
        #expect(try DockerEngine.labelFilter(["berth.site"]) == #"{"label":["berth.site"]}"#)
        #expect(
            try DockerEngine.labelFilter(["berth.site=blog", "berth.test=1"])
                == #"{"label":["berth.site=blog","berth.test=1"]}"#)
    }

    @Test func containerCreateUsesDockersKeys() throws {
        let config = ContainerCreate(
            image: "berth/blog:1",
            labels: ["berth.site": "blog"],
            user: "101",
            environment: ["A=1"],
            command: nil,
            exposedPorts: ["8080/tcp"],
            healthcheck: Healthcheck(
                test: ["CMD", "true"], interval: .seconds(5), timeout: .milliseconds(1500), retries: 3),
            hostConfig: HostConfig(
                portBindings: ["8080/tcp": [PortBinding(hostIP: "127.0.0.1", hostPort: "18080")]],
                memory: 64 << 20,
                memorySwap: 64 << 20,
                restartPolicy: .unlessStopped,
                readonlyRootfs: true,
                tmpfs: ["/tmp": "rw,noexec,nosuid,size=16m"],
                capDrop: ["ALL"],
                securityOpt: ["no-new-privileges:true"],
                pidsLimit: 100
            )
        )
        let data = try JSONEncoder().encode(config)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["Image"] as? String == "berth/blog:1")
        #expect(object["User"] as? String == "101")
        #expect(object["Env"] as? [String] == ["A=1"])
        #expect(object["Cmd"] == nil)
        #expect((object["ExposedPorts"] as? [String: Any])?.keys.sorted() == ["8080/tcp"])
        let health = try #require(object["Healthcheck"] as? [String: Any])
        #expect(health["Interval"] as? Int64 == 5_000_000_000)
        #expect(health["Timeout"] as? Int64 == 1_500_000_000)
        #expect(health["Retries"] as? Int == 3)
        let host = try #require(object["HostConfig"] as? [String: Any])
        #expect(host["Memory"] as? Int64 == 67_108_864)
        #expect(host["MemorySwap"] as? Int64 == 67_108_864)
        #expect(host["ReadonlyRootfs"] as? Bool == true)
        #expect(host["CapDrop"] as? [String] == ["ALL"])
        #expect(host["PidsLimit"] as? Int64 == 100)
        #expect(host["SecurityOpt"] as? [String] == ["no-new-privileges:true"])
        #expect(host["Tmpfs"] as? [String: String] == ["/tmp": "rw,noexec,nosuid,size=16m"])
        #expect(host["CapAdd"] == nil)
        #expect(host["NanoCpus"] == nil)
        #expect((host["RestartPolicy"] as? [String: Any])?["Name"] as? String == "unless-stopped")
        let bindings = try #require((host["PortBindings"] as? [String: Any])?["8080/tcp"] as? [[String: String]])
        #expect(bindings == [["HostIp": "127.0.0.1", "HostPort": "18080"]])
    }

    @Test func statsComputeLikeTheDockerCLI() throws {
        let json = """
            {"read":"2024-05-01T10:00:01Z",
             "cpu_stats":{"cpu_usage":{"total_usage":3000000},"system_cpu_usage":20000000,"online_cpus":2},
             "precpu_stats":{"cpu_usage":{"total_usage":1000000},"system_cpu_usage":10000000,"online_cpus":2},
             "memory_stats":{"usage":50000000,"limit":67108864,"stats":{"total_inactive_file":10000000}},
             "networks":{"eth0":{"rx_bytes":100,"tx_bytes":40},"eth1":{"rx_bytes":1,"tx_bytes":2}},
             "pids_stats":{"current":3}}
            """
        let stats = try JSONDecoder().decode(ContainerStats.self, from: Data(json.utf8))
        #expect(stats.cpuPercent == 40)
        #expect(stats.memoryUsageBytes == 40_000_000)
        #expect(stats.memoryLimitBytes == 67_108_864)
        #expect(stats.networkReceivedBytes == 101)
        #expect(stats.networkSentBytes == 42)
        #expect(stats.pidsStats?.current == 3)

        let stopped = try JSONDecoder().decode(
            ContainerStats.self,
            from: Data(
                #"{"read":"0001-01-01T00:00:00Z","memory_stats":{},"cpu_stats":{"cpu_usage":{"total_usage":0}},"precpu_stats":{"cpu_usage":{"total_usage":0}}}"#
                    .utf8))
        #expect(stopped.cpuPercent == nil)
        #expect(stopped.memoryUsageBytes == nil)
        #expect(stopped.networkReceivedBytes == 0)
    }

    @Test func daemonMessageIsTakenFromItsJSON() {
        #expect(
            DockerEngine.daemonMessage(in: ByteBuffer(string: #"{"message":"No such container: x"}"#))
                == "No such container: x")
        #expect(DockerEngine.daemonMessage(in: ByteBuffer(string: "plain text\n")) == "plain text")
        #expect(DockerEngine.daemonMessage(in: ByteBuffer()) == "(no message)")
    }

    @Test func unreachableSaysWhereAndWhatToDo() {
        let local = EngineError.unreachable(.defaultLocal, reason: "there is no socket at that path").description
        #expect(local.contains("unix:///var/run/docker.sock"))
        #expect(local.contains("there is no socket at that path"))
        #expect(local.contains("Start Docker"))
        #expect(local.contains("DOCKER_HOST"))

        let remote = EngineError.unreachable(.tcp(host: "10.0.0.9", port: 2375), reason: "refused").description
        #expect(remote.contains("tcp://10.0.0.9:2375"))
        #expect(remote.contains("DOCKER_HOST"))
    }

    @Test func otherErrorTextsCarryTheDaemonsWords() {
        let tls = EngineError.tls(.tls(host: "h", certificates: .init(directory: "/certs")), reason: "bad CA")
            .description
        #expect(tls.contains("tcp://h:2376 (TLS)"))
        #expect(tls.contains("/certs/ca.pem"))
        #expect(tls.contains("bad CA"))
        #expect(
            EngineError.api(operation: "create the container x", status: 500, message: "boom").description
                == "Docker could not create the container x (HTTP 500): boom")
        #expect(
            EngineError.inBand(operation: "build the image site:1", message: "unknown instruction: BOGUS").description
                == "Could not build the image site:1: unknown instruction: BOGUS")
        #expect(EngineError.conflict("name in use").description.contains("name in use"))
        #expect(EngineError.timeout(operation: "inspect the image x", seconds: 60).description.contains("60 s"))
        #expect(EngineError.unsupportedAPIVersion(daemon: "1.40", minimum: "1.41").description.contains("1.41"))
    }

    @Test func connectFailuresAreNamed() {
        let unix = DockerEndpoint.defaultLocal
        let tcp = DockerEndpoint.tcp(host: "127.0.0.1", port: 1)
        #expect(DockerEngine.connectFailureReason(errno: ENOENT, endpoint: unix) == "there is no socket at that path")
        #expect(DockerEngine.connectFailureReason(errno: ECONNREFUSED, endpoint: tcp).contains("refused"))
        #expect(DockerEngine.connectFailureReason(errno: EACCES, endpoint: unix).contains("docker group"))
    }
}
