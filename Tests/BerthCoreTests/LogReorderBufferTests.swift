import Testing

@testable import BerthCore

@Suite("The reorder window of followed logs")
struct LogReorderBufferTests {
    private let start = ContinuousClock.now
    private func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }
    private func time(_ seconds: Int64) -> LogTime { LogTime(secondsSince1970: seconds) }

    @Test func a_line_waits_for_the_window_then_goes_with_every_earlier_one_in_order() {
        var buffer = LogReorderBuffer<String>(window: .milliseconds(500))
        buffer.insert("b@2", time: time(2), arrivedAt: at(0))
        buffer.insert("a@1", time: time(1), arrivedAt: at(100))
        buffer.insert("c@3", time: time(3), arrivedAt: at(200))
        #expect(buffer.release(now: at(499)).isEmpty)
        // b's wait is over: b and everything stamped before it, though a arrived later.
        #expect(buffer.release(now: at(500)) == ["a@1", "b@2"])
        #expect(buffer.release(now: at(650)).isEmpty)
        #expect(buffer.release(now: at(700)) == ["c@3"])
        #expect(buffer.isEmpty)
    }

    @Test func equal_stamps_keep_their_arrival_order() {
        var buffer = LogReorderBuffer<String>(window: .milliseconds(100))
        buffer.insert("first", time: time(5), arrivedAt: at(0))
        buffer.insert("second", time: time(5), arrivedAt: at(10))
        buffer.insert("third", time: time(5), arrivedAt: at(20))
        #expect(buffer.release(now: at(100)) == ["first", "second", "third"])
    }

    @Test func a_line_later_than_the_window_is_written_out_of_order_but_never_dropped() {
        var buffer = LogReorderBuffer<String>(window: .milliseconds(100))
        buffer.insert("new", time: time(10), arrivedAt: at(0))
        #expect(buffer.release(now: at(100)) == ["new"])
        buffer.insert("old, late", time: time(9), arrivedAt: at(150))
        // Holding it longer cannot put it before what is already written.
        #expect(buffer.release(now: at(151)) == ["old, late"])
    }

    @Test func drain_gives_everything_held_in_order() {
        var buffer = LogReorderBuffer<String>(window: .seconds(10))
        buffer.insert("y", time: time(2), arrivedAt: at(0))
        buffer.insert("x", time: time(1), arrivedAt: at(1))
        #expect(buffer.release(now: at(2)).isEmpty)
        #expect(buffer.drain() == ["x", "y"])
        #expect(buffer.isEmpty)
    }
}
