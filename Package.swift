// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "pgwarden",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pgwarden", targets: ["pgwarden"]),
        .library(name: "WardenEngine", targets: ["WardenEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .systemLibrary(
            name: "CNCursesW",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncursesw5-dev"]), .brew(["ncurses"])]
        ),
        .systemLibrary(name: "CLinux"),
        .target(
            name: "WardenEngine",
            dependencies: ["CLibPQ", "CLinux", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "WardenTerminal", dependencies: ["CNCursesW"]),
        .target(name: "WardenDemo", dependencies: ["WardenEngine"]),
        .target(
            name: "WardenDashboard",
            dependencies: ["WardenEngine", "WardenTerminal", .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "pgwarden",
            dependencies: [
                "WardenEngine",
                "WardenDashboard",
                "WardenDemo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "pgwarden-write-prober",
            dependencies: ["WardenEngine"],
            path: "Benchmarks/Sources/pgwarden-write-prober"
        ),
        .executableTarget(
            name: "pgwarden-footprint-floor",
            dependencies: ["CLibPQ"],
            path: "Benchmarks/Sources/pgwarden-footprint-floor"
        ),
        .testTarget(name: "WardenEngineTests", dependencies: ["WardenEngine"]),
        .testTarget(name: "WardenTerminalTests", dependencies: ["WardenTerminal", "WardenDashboard"]),
        .testTarget(name: "WardenIntegrationTests", dependencies: ["WardenEngine"]),
    ],
    swiftLanguageModes: [.v6]
)
