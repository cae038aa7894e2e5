import Foundation

/// Where the project's real data lives (`../shared/data` by default): scans, category mappings, episodes.
///
/// Scene manifests write `$DATA/...` in a path for "inside the data directory"; `expand(_:dataPath:)` performs
/// the substitution. Data files are never copied into the repository.
public enum DataPath {
    /// The environment variable that overrides the data directory.
    public static let environmentVariable = "VLNSIM_DATA"
    /// The default data directory, relative to the current directory (the package root when run from there).
    public static let defaultPath = "../shared/data"
    /// The placeholder for the data directory in manifest paths.
    public static let placeholder = "$DATA"

    /// The data directory: `$VLNSIM_DATA` if set and non-empty, else `"../shared/data"`.
    /// - Parameter environment: the environment to read (defaults to the process's).
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let v = environment[environmentVariable], !v.isEmpty { return v }
        return defaultPath
    }

    /// Replaces every `$DATA` in `path` with `dataPath`.
    public static func expand(_ path: String, dataPath: String) -> String {
        path.replacingOccurrences(of: placeholder, with: dataPath)
    }
}
