import Dispatch
import Foundation

/// vlnsim's own multithreading: independent work items (texts, frames, image bands) spread over threads on a
/// fixed partition.
///
/// Determinism by construction: the caller cuts the work into items whose boundaries do not depend on the thread
/// count, and computes each item on one thread with single-threaded kernels (vlnsim keeps OpenBLAS at one thread,
/// see `BLAS` in VLNEncoders). An item's result then depends only on its inputs, never on how many threads ran or
/// which thread ran it, so outputs are bit-identical for any thread count on one machine. (Across CPUs they are not:
/// different vector widths and kernel sets round differently; the tests state the tolerances.)
public enum Parallel {
    /// The thread count used when a caller gives none: `$VLNSIM_THREADS` when it is a positive integer, else the
    /// number of active processors. Read once per process.
    public static let defaultThreadCount: Int = {
        if let s = ProcessInfo.processInfo.environment["VLNSIM_THREADS"], let n = Int(s), n >= 1 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Runs `body(i)` once for every `i` in `0..<count`, on up to `threads` threads, and returns when all have run.
    ///
    /// Worker `w` of `min(threads, count)` runs items `w, w + workers, w + 2·workers, …` in that order; with one
    /// worker everything runs on the calling thread. `body` must not depend on which thread runs it, and items must
    /// not write to shared state other than their own slots.
    /// - Precondition: `count ≥ 0`, `threads ≥ 1`.
    public static func forEach(_ count: Int, threads: Int = defaultThreadCount, _ body: (Int) -> Void) {
        precondition(count >= 0 && threads >= 1, "count \(count), threads \(threads)")
        let workers = min(threads, count)
        if workers <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var i = w
                while i < count {
                    body(i)
                    i += workers
                }
            }
        }
    }

    /// `[transform(0), …, transform(count − 1)]`, computed as `forEach` does.
    /// - Precondition: as `forEach`.
    public static func map<T>(_ count: Int, threads: Int = defaultThreadCount, _ transform: (Int) -> T) -> [T] {
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { slots in
            let slots = UnsafeSlots(slots)
            forEach(count, threads: threads) { i in slots.base[i] = transform(i) }
        }
        return results.map { $0! }
    }

    /// `map` whose items may throw: every item runs; the error of the lowest failing index is thrown (the same one
    /// whatever the thread count).
    public static func map<T>(_ count: Int, threads: Int = defaultThreadCount, _ transform: (Int) throws -> T) throws -> [T] {
        let results: [Result<T, Error>] = map(count, threads: threads) { i in Result { try transform(i) } }
        return try results.map { try $0.get() }
    }
}

/// A buffer whose disjoint elements are written from several threads (each index by one item only).
private struct UnsafeSlots<T>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<T>
    init(_ base: UnsafeMutableBufferPointer<T>) { self.base = base }
}

/// Buffers shared by the calls of one object across threads: a call takes one (made by `make` when all are in use),
/// runs, and gives it back, so steady-state calls allocate nothing, from any number of threads.
/// At most `keep` workspaces are kept between calls; more, made while many calls ran at once, are freed.
public final class WorkspacePool<Workspace: AnyObject>: @unchecked Sendable {
    private let lock = NSLock()
    private var free = [Workspace]()
    private let make: () -> Workspace
    private let keep: Int

    /// - Parameters:
    ///   - keep: how many workspaces to keep between calls (default 2).
    ///   - make: makes a new workspace when none is free.
    public init(keep: Int = 2, _ make: @escaping () -> Workspace) { self.keep = keep; self.make = make }

    /// `body` with a workspace that no other call uses meanwhile.
    public func with<T>(_ body: (Workspace) throws -> T) rethrows -> T {
        lock.lock()
        let ws = free.popLast()
        lock.unlock()
        let workspace = ws ?? make()
        defer {
            lock.lock()
            if free.count < keep { free.append(workspace) }
            lock.unlock()
        }
        return try body(workspace)
    }
}

/// Wall-clock laps in milliseconds (monotonic clock), for the timings that commands and reports print.
public struct Stopwatch: Sendable {
    private var last = DispatchTime.now().uptimeNanoseconds
    public init() {}
    /// Milliseconds since the previous lap (or since `init`).
    public mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) / 1e6
    }
}

/// CPU seconds of the calling thread (`CLOCK_THREAD_CPUTIME_ID`): what one core spent on this thread, much less
/// disturbed than wall time by other processes on a loaded machine.
public func threadCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
