import Foundation

/// Writes tar archives byte by byte, including the ones no honest packer makes (device nodes, hard links,
/// escaping paths, sizes that lie), for the tests of what `berth serve` accepts as an upload.
struct TarBuilder {
    private(set) var bytes: [UInt8] = []

    /// An entry's header; `size` is what the header declares, whatever content follows.
    mutating func header(_ name: String, type: Character = "0", size: Int = 0, link: String = "", mode: Int = 0o644) {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, length: Int) {
            for (index, byte) in text.utf8.prefix(length).enumerated() { block[offset + index] = byte }
        }
        put(name, at: 0, length: 100)
        put(String(format: "%07o", mode), at: 100, length: 8)
        put("0000000", at: 108, length: 8)
        put("0000000", at: 116, length: 8)
        put(String(format: "%011o", size), at: 124, length: 12)
        put("00000000000", at: 136, length: 12)
        put("        ", at: 148, length: 8)
        block[156] = type.asciiValue ?? 0
        put(link, at: 157, length: 100)
        put("ustar", at: 257, length: 6)
        put("00", at: 263, length: 2)
        let checksum = block.reduce(0) { $0 + Int($1) }
        put(String(format: "%06o", checksum) + "\0 ", at: 148, length: 8)
        bytes += block
    }

    mutating func content(_ data: [UInt8]) {
        bytes += data
        bytes += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    mutating func file(_ name: String, _ text: String) {
        header(name, size: text.utf8.count)
        content(Array(text.utf8))
    }

    mutating func directory(_ name: String) {
        header(name, type: "5", mode: 0o755)
    }

    mutating func end() {
        bytes += [UInt8](repeating: 0, count: 1024)
    }

    /// A minimal site: `site/` and an index page.
    static func site(_ extra: (inout TarBuilder) -> Void = { _ in }) -> [UInt8] {
        var tar = TarBuilder()
        tar.directory("site")
        tar.file("site/index.html", "<h1>hello</h1>\n")
        extra(&tar)
        tar.end()
        return tar.bytes
    }
}
