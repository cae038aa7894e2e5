import Foundation
import VLNCore

/// Stages a command's output so that a failure leaves nothing behind: files are written into a hidden staging
/// folder next to the destination and moved into the destination only by `commit()`. If `commit()` is never
/// called (an error was thrown), the staging folder is removed on deinit. Staging folders left by a process
/// that died (killed, crashed) are removed the next time output goes to the same destination.
public final class OutputFolder {
    /// The destination folder.
    public let destination: String
    /// Where files are written until commit.
    public let staging: String
    private var committed = false

    /// - Throws: `VLNError.io` if the destination exists and is not a folder, or the staging folder cannot be
    ///   created (say why: the parent missing, not a folder, not writable).
    public init(destination: String) throws {
        let fm = FileManager.default
        let url = URL(fileURLWithPath: destination).standardized
        self.destination = url.path
        let parent = url.deletingLastPathComponent().path
        let prefix = "." + url.lastPathComponent + ".partial-"
        staging = parent + "/" + prefix + "\(getpid())"
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: destination, isDirectory: &isDir), !isDir.boolValue {
            throw VLNError.io(path: destination, reason: "exists and is not a folder")
        }
        var parentPath = parent
        while !fm.fileExists(atPath: parentPath, isDirectory: &isDir) { parentPath = URL(fileURLWithPath: parentPath).deletingLastPathComponent().path }
        if !isDir.boolValue { throw VLNError.io(path: destination, reason: "\(parentPath) is not a folder") }
        // Staging folders of dead processes (their pid no longer exists).
        for name in (try? fm.contentsOfDirectory(atPath: parent)) ?? [] where name.hasPrefix(prefix) {
            if let pid = Int32(name.dropFirst(prefix.count)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH {
                try? fm.removeItem(atPath: parent + "/" + name)
            }
        }
        do {
            try? fm.removeItem(atPath: staging)
            try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw VLNError.io(path: destination, reason: "cannot create the output folder (\(String(cString: strerror(errno))))")
        }
    }

    /// The staging path of a file named `name` (may contain subfolders, created on demand).
    public func path(_ name: String) -> String {
        let p = staging + "/" + name
        let dir = URL(fileURLWithPath: p).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: dir) { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        return p
    }

    /// Moves the staged entries into the destination. Each top-level staged entry replaces the destination's
    /// entry of the same name as a whole (a staged `frames/` replaces an old `frames/`, so no stale frame
    /// survives); the names in `replacing` are removed from the destination even if nothing was staged under
    /// them this time (outputs of an earlier run that this run did not produce). Other files are left alone.
    /// - Throws: `VLNError.io` before anything is moved if an entry cannot be replaced (a folder where a file
    ///   goes, or the reverse); on a failed move.
    public func commit(replacing: [String] = []) throws {
        let fm = FileManager.default
        let entries = ((try? fm.contentsOfDirectory(atPath: staging)) ?? []).sorted()
        for name in entries {
            var stagedDir: ObjCBool = false, existingDir: ObjCBool = false
            _ = fm.fileExists(atPath: staging + "/" + name, isDirectory: &stagedDir)
            if fm.fileExists(atPath: destination + "/" + name, isDirectory: &existingDir), stagedDir.boolValue != existingDir.boolValue {
                throw VLNError.io(path: destination + "/" + name, reason: "exists as a \(existingDir.boolValue ? "folder" : "file"); cannot replace it with a \(stagedDir.boolValue ? "folder" : "file")")
            }
        }
        do {
            try fm.createDirectory(atPath: destination, withIntermediateDirectories: true)
            for name in Set(replacing).union(entries).sorted() {
                let target = destination + "/" + name
                if fm.fileExists(atPath: target) { try fm.removeItem(atPath: target) }
                if entries.contains(name), rename(staging + "/" + name, target) != 0 {
                    throw VLNError.io(path: target, reason: String(cString: strerror(errno)))
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
