import Foundation
import Testing

@testable import BerthCore

@Suite("Resource use of sites: samples, JSON, the table")
struct SiteStatsTests {
    /// The shape of a cgroup v1 sample from Docker 20.10, trimmed to what berth reads.
    static let sampleJSON = """
        {"read":"2024-05-01T12:00:01.5Z",
         "cpu_stats":{"cpu_usage":{"total_usage":300000000,"percpu_usage":[1,2]},"system_cpu_usage":20000000000,
                      "online_cpus":2},
         "precpu_stats":{"cpu_usage":{"total_usage":100000000},"system_cpu_usage":18000000000,"online_cpus":2},
         "memory_stats":{"usage":10485760,"limit":83886080,"stats":{"total_inactive_file":2097152}},
         "networks":{"eth0":{"rx_bytes":1500,"tx_bytes":2500},"eth1":{"rx_bytes":500,"tx_bytes":0}}}
        """

    static func sample() throws -> SiteStatsSample {
        let stats = try JSONDecoder().decode(ContainerStats.self, from: Data(sampleJSON.utf8))
        return SiteStatsSample(identity: SiteIdentity(user: "ann", site: "blog"), host: "local", stats: stats)
    }

    @Test func a_sample_carries_cpu_memory_and_network() throws {
        let sample = try Self.sample()
        // 0.2 s of CPU in 2 s of both CPUs' time: 10 % of all, 20 % of one CPU.
        #expect(sample.cpuPercent.map { ($0 * 1000).rounded() / 1000 } == 20)
        #expect(sample.memoryBytes == 8 << 20, "the page cache the kernel can drop is not counted")
        #expect(sample.memoryLimitBytes == 80 << 20)
        #expect(sample.memoryPercent == 10)
        #expect(sample.networkRxBytes == 2000)
        #expect(sample.networkTxBytes == 2500)
        #expect(sample.time == "2024-05-01T12:00:01.5Z")
    }

    @Test func json_has_every_field_and_null_for_what_is_unknown() throws {
        var sample = try Self.sample()
        sample.cpuPercent = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let object = try #require(try JSONSerialization.jsonObject(with: encoder.encode(sample)) as? [String: Any])
        #expect(Set(object.keys) == ["site", "user", "host", "cpuPercent", "memoryBytes", "memoryLimitBytes",
                                     "networkRxBytes", "networkTxBytes", "time"])
        #expect(object["cpuPercent"] is NSNull)
        #expect(object["site"] as? String == "blog")
        #expect(object["user"] as? String == "ann")
        #expect(object["memoryLimitBytes"] as? Int == 80 << 20)
    }

    @Test func table_rows_read_like_docker_stats() throws {
        let rows = SiteStatsTable.rows([("ann/blog", try Self.sample()), ("ann/docs", nil)])
        #expect(rows == [
            ["SITE", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O"],
            ["ann/blog", "20.00%", "8MiB / 80MiB", "10.00%", "2kB / 2.5kB"],
            ["ann/docs", "--", "-- / --", "--", "-- / --"],
        ])
    }

    @Test(arguments: [
        (UInt64(0), "0B", "0B"), (512, "512B", "512B"), (1536, "1.5KiB", "1.536kB"),
        (83_886_080, "80MiB", "83.89MB"), (1_073_741_824, "1GiB", "1.074GB"), (999_999, "976.6KiB", "1000kB"),
    ])
    func byte_counts(bytes: UInt64, binary: String, decimal: String) {
        #expect(ByteCountText.binary(bytes) == binary)
        #expect(ByteCountText.decimal(bytes) == decimal)
    }

    @Test func one_sample_each_in_the_order_of_the_sites_gone_and_failing_ones_told_apart() async throws {
        let stats = try JSONDecoder().decode(ContainerStats.self, from: Data(Self.sampleJSON.utf8))
        let sites = [FakeSites.site("a"), FakeSites.site("gone"), FakeSites.site("broken"), FakeSites.site("b")]
        let reader = SiteStatsReader(sites: sites) { site, stream in
            #expect(stream == false)
            return AsyncThrowingStream { continuation in
                switch site.identity.site {
                case "gone": continuation.finish(throwing: EngineError.notFound("container x"))
                case "broken": continuation.finish(throwing: EngineError.timeout(operation: "read", seconds: 60))
                default:
                    continuation.yield(stats)
                    continuation.finish()
                }
            }
        }
        let events = await reader.sampleOnce()
        let summary = events.map { event -> String in
            switch event {
            case .value(let sample): "\(sample.identity.site): \(sample.memoryLimitBytes ?? 0)"
            case .ended(let site): "\(site.identity.site): ended"
            case .failed(let site, _): "\(site.identity.site): failed"
            }
        }
        #expect(summary == ["a: 83886080", "gone: ended", "broken: failed", "b: 83886080"])
    }
}
