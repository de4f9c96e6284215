import Testing

@testable import BerthCore

@Suite("Times in logs: Docker's stamps and --since")
struct LogTimeTests {
    @Test func docker_stamps_parse_to_the_nanosecond() throws {
        let time = try #require(LogTime(rfc3339: "2024-05-01T12:00:00.123456789Z"))
        #expect(time.secondsSince1970 == 1_714_564_800)
        #expect(time.nanoseconds == 123_456_789)
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0, 0),
        ("2024-02-29T23:59:59.5Z", 1_709_251_199, 500_000_000),
        ("2024-05-01 14:00:00+02:00", 1_714_564_800, 0),
        ("2024-05-01t11:30:00.1234567891234-00:30", 1_714_564_800, 123_456_789),
        ("1969-12-31T23:59:59Z", -1, 0),
    ])
    func rfc3339_forms(text: String, seconds: Int64, nanoseconds: Int32) {
        #expect(LogTime(rfc3339: text) == LogTime(secondsSince1970: seconds, nanoseconds: nanoseconds))
    }

    @Test(arguments: [
        "", "2024-05-01", "2024-05-01T12:00:00", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
        "2024-05-01T24:00:00Z", "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00Zjunk", "2024-05-01T12:00:00+2:00",
    ])
    func not_rfc3339(text: String) {
        #expect(LogTime(rfc3339: text) == nil)
    }

    @Test func stamps_order_by_the_moment_they_name_not_their_text() throws {
        let later = try #require(LogTime(rfc3339: "2024-05-01T12:00:00.2Z"))
        let earlier = try #require(LogTime(rfc3339: "2024-05-01T14:00:00.1+02:00"))
        #expect(earlier < later)
    }

    @Test(arguments: [
        ("30s", Duration.seconds(30)), ("10m", .seconds(600)), ("2h", .seconds(7200)), ("1d", .seconds(86_400)),
        ("1h30m", .seconds(5400)), ("1.5h", .seconds(5400)), ("500ms", .milliseconds(500)), ("0s", .zero),
    ])
    func since_durations(text: String, duration: Duration) throws {
        #expect(try LogSince(parsing: text) == .ago(duration))
    }

    @Test func since_times_and_seconds() throws {
        #expect(try LogSince(parsing: "2024-05-01T12:00:00Z") == .time(LogTime(secondsSince1970: 1_714_564_800)))
        #expect(try LogSince(parsing: "1714564800") == .time(LogTime(secondsSince1970: 1_714_564_800)))
        #expect(try LogSince(parsing: "10") == .time(LogTime(secondsSince1970: 10)), "a bare number is a time, not 10 s")
    }

    @Test(arguments: ["", "m", "10x", "-5m", "10m5", "ten minutes", "1e3s", "2024-05-01"])
    func since_refuses(text: String) {
        #expect(throws: LogSinceError(text: text)) { try LogSince(parsing: text) }
    }

    @Test func since_error_says_what_is_accepted() {
        #expect(LogSinceError(text: "soon").description.contains("10m"))
        #expect(LogSinceError(text: "soon").description.contains("RFC 3339"))
    }

    @Test func a_duration_counts_back_from_now_borrowing_a_second_when_needed() {
        let now = LogTime(secondsSince1970: 1000, nanoseconds: 100_000_000)
        #expect(LogSince.ago(.milliseconds(1500)).start(now: now) == LogTime(secondsSince1970: 998, nanoseconds: 600_000_000))
        #expect(LogSince.ago(.seconds(600)).start(now: now) == LogTime(secondsSince1970: 400, nanoseconds: 100_000_000))
    }
}
