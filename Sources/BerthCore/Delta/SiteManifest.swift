import Crypto
import Foundation

/// The files of one version of a site, as shipped under the site's root in its image: every directory, file
/// (size, SHA-256, executable bit) and link (target). It is packed into the build context and copied into the
/// image, so that a later publish, even from a machine with no state of its own, can read it back through the
/// engine and ship only what changed.
public struct SiteManifest: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case directory, file, symlink
    }

    public struct Entry: Sendable, Equatable, Codable {
        /// Relative to the site's root, `/`-separated.
        public var path: String
        public var kind: Kind
        public var size: Int64?
        /// Hex SHA-256 of a file's content.
        public var sha256: String?
        public var executable: Bool?
        public var target: String?
        /// Where a file's content is read from on this machine; never recorded.
        var source: String?

        enum CodingKeys: String, CodingKey {
            case path, kind, size, sha256, executable, target
        }

        /// Whether the two describe the same thing in an image (where the content is read from does not count).
        func sameShipped(as other: Entry) -> Bool {
            path == other.path && kind == other.kind && size == other.size && sha256 == other.sha256
                && (executable ?? false) == (other.executable ?? false) && target == other.target
        }

        static func directory(_ path: String) -> Entry {
            Entry(path: path, kind: .directory)
        }

        static func symlink(_ path: String, target: String) -> Entry {
            Entry(path: path, kind: .symlink, target: target)
        }

        static func file(_ path: String, size: Int64, sha256: String, executable: Bool, source: String?) -> Entry {
            Entry(path: path, kind: .file, size: size, sha256: sha256, executable: executable ? true : nil,
                  source: source)
        }
    }

    /// The format of this manifest; a manifest of another format is treated as absent.
    public var format: Int
    /// In the order the site's tree is walked (parents before children, names sorted byte-wise).
    public var entries: [Entry]

    public static let currentFormat = 1

    public init(entries: [Entry]) {
        self.format = Self.currentFormat
        self.entries = entries
    }

    /// The bytes packed into the context and the image: sorted-key JSON, so the same site always gives the same
    /// bytes (and the same context digest).
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    public static func decode(_ bytes: [UInt8]) -> SiteManifest? {
        guard let manifest = try? JSONDecoder().decode(SiteManifest.self, from: Data(bytes)),
              manifest.format == currentFormat
        else { return nil }
        return manifest
    }

    /// The total size of the files.
    public var fileBytes: Int64 {
        entries.reduce(0) { $0 + ($1.size ?? 0) }
    }
}

/// Hex SHA-256 of a file's content as it is packed.
enum ContentHasher {
    static func hex(of bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    private static let digits = Array("0123456789abcdef".utf8)

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
