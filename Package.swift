// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "berth",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "berth", targets: ["berth"]),
        .library(name: "BerthCore", targets: ["BerthCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
    ],
    targets: [
        // Headers only: BerthCore links libarchive itself (statically on Linux, see below).
        .systemLibrary(
            name: "CArchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        .target(name: "DockerIgnore"),
        .target(
            name: "BerthCore",
            dependencies: [
                "CArchive",
                "DockerIgnore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Yams", package: "Yams"),
            ],
            // berth is one file that runs on any Linux: libarchive (from libarchive-dev's libarchive.a) is linked
            // into it, as is the Swift runtime when built with --static-swift-stdlib (scripts/release).
            linkerSettings: [
                .linkedLibrary(":libarchive.a", .when(platforms: [.linux])),
                .linkedLibrary("archive", .when(platforms: [.macOS])),
            ]
        ),
        // berth serve: the HTTP API (hummingbird) and its SQLite store (sqlite-nio, SQLite compiled in).
        .target(
            name: "BerthServer",
            dependencies: [
                "BerthCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ]
        ),
        .executableTarget(
            name: "berth",
            dependencies: [
                "BerthCore",
                "BerthServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "BerthCoreTests",
            dependencies: ["BerthCore", "CArchive", "DockerIgnore"],
            resources: [.copy("Golden")]
        ),
        .testTarget(name: "DockerIgnoreTests", dependencies: ["DockerIgnore"]),
        .testTarget(name: "BerthServerTests", dependencies: ["BerthServer", "BerthCore", .product(name: "Yams", package: "Yams")]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "BerthCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ]
)
