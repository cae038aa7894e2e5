import Foundation
import VLNCore

/// Stages a command's output files so that a failure leaves nothing behind: files are written into a hidden
/// staging folder next to the destination, and moved into the destination only by `commit()`. If `commit()`
/// is never called (an error was thrown), `discard()` — also run on deinit — removes the staging folder.
public final class OutputFolder {
    /// The destination folder.
    public let destination: String
    /// Where files are written until commit.
    public let staging: String
    private var committed = false

    /// - Throws: `VLNError.io` if the staging folder cannot be created.
    public init(destination: String) throws {
        self.destination = destination
        let url = URL(fileURLWithPath: destination).standardized
        let parent = url.deletingLastPathComponent().path
        staging = parent + "/." + url.lastPathComponent + ".partial-\(getpid())"
        do {
            try? FileManager.default.removeItem(atPath: staging)
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw VLNError.io(path: destination, reason: "cannot create output folder: \((error as NSError).localizedDescription)")
        }
    }

    /// The staging path of a file named `name` (may contain subfolders, created on demand).
    public func path(_ name: String) -> String {
        let p = staging + "/" + name
        let dir = URL(fileURLWithPath: p).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: dir) { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        return p
    }

    /// Moves every staged file into the destination (replacing files of the same name) and removes the staging folder.
    /// - Throws: `VLNError.io` if a move fails.
    public func commit() throws {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: destination, withIntermediateDirectories: true)
            let files = fm.enumerator(atPath: staging)?.compactMap { $0 as? String } ?? []
            for rel in files.sorted() {
                var isDir: ObjCBool = false
                _ = fm.fileExists(atPath: staging + "/" + rel, isDirectory: &isDir)
                if isDir.boolValue { try fm.createDirectory(atPath: destination + "/" + rel, withIntermediateDirectories: true); continue }
                if rename(staging + "/" + rel, destination + "/" + rel) != 0 {
                    throw VLNError.io(path: destination + "/" + rel, reason: String(cString: strerror(errno)))
                }
            }
        } catch let e as VLNError { throw e } catch {
            throw VLNError.io(path: destination, reason: (error as NSError).localizedDescription)
        }
        committed = true
        discard()
    }

    /// Removes the staging folder and everything in it.
    public func discard() { try? FileManager.default.removeItem(atPath: staging) }

    deinit { if !committed { discard() } }
}

/// A one-line progress bar on stderr for long loops (only when stderr is a terminal, or when forced).
public struct ProgressBar {
    public let total: Int
    public let label: String
    private let enabled: Bool
    public init(total: Int, label: String, force: Bool = false) {
        self.total = max(total, 1); self.label = label
        enabled = force || isatty(STDERR_FILENO) != 0
    }
    public func update(_ done: Int) {
        guard enabled else { return }
        let width = 30
        let filled = min(width, done * width / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total)".utf8))
        if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
