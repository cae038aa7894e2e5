import Foundation

/// A one-line progress bar on stderr for long loops (only when stderr is a terminal, or when forced).
public struct ProgressBar {
    /// Number of steps that make the bar full (at least 1).
    public let total: Int
    /// Text printed before the bar.
    public let label: String
    private let enabled: Bool
    /// A bar for `total` steps; `force` draws it even when stderr is not a terminal.
    public init(total: Int, label: String, force: Bool = false) {
        self.total = max(total, 1); self.label = label
        enabled = force || isatty(STDERR_FILENO) != 0
    }
    /// Redraws the line as `label [###---] done/total detail` (the detail, e.g. an ETA, only when given; the rest of
    /// the line is cleared); ends it with a newline once `done ≥ total`.
    public func update(_ done: Int, detail: String = "") {
        guard enabled else { return }
        let width = 30
        let filled = max(0, min(width, done * width / total))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let tail = detail.isEmpty ? "" : " \(detail)\u{1B}[K"
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total)\(tail)".utf8))
        if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
