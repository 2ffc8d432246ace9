import CEdgeTeam
import EdgeCore
import Foundation

/// The worker threads one `IntegerNetwork` uses to split a single image's layers
/// (Sources/CEdgeTeam): started on first use, resized when `--threads` changes, stopped
/// with the network. One call at a time holds it; a concurrent call runs without it. At
/// most `maxThreads`: these layers last microseconds, and a fork-join over more threads
/// would cost more than their share of the work.
final class LayerTeam: @unchecked Sendable {
    /// The largest team (an edge board's four cores).
    static let maxThreads = 4
    private var team: OpaquePointer?
    private var threads = 1
    private var failed = false  // threads could not be started: do not retry at every call
    private let lock = NSLock()

    /// `body` with a team of `threads` threads, or with nil when the team is busy or
    /// cannot be started (then the layers run on the calling thread alone).
    func with<R>(threads: Int, _ body: (OpaquePointer?) -> R) -> R {
        guard threads > 1, lock.try() else { return body(nil) }
        defer { lock.unlock() }
        let n = min(threads, Self.maxThreads)
        if self.threads != n || (team == nil && !failed) {
            if let t = team { ea_team_destroy(t) }
            team = ea_team_create(Int32(n))
            self.threads = n
            failed = team == nil
        }
        return body(team)
    }

    /// Layers split so far by the current team (0 before it starts).
    var jobs: Int {
        lock.lock()
        defer { lock.unlock() }
        return team.map { ea_team_jobs($0) } ?? 0
    }

    deinit {
        if let t = team { ea_team_destroy(t) }
    }
}

extension IntegerNetwork {
    /// The convolutions and adds a call of at most 16 images splits over threads (with
    /// `Parallel.threads` > 1), and how many there are in all.
    public var splitLayers: (split: Int, of: Int) {
        var split = 0, all = 0
        for s in steps {
            switch s.kind {
            case .conv:
                all += 1
                if let p = s.plan, ea_team_splits_conv(p) != 0 { split += 1 }
            case .add:
                all += 1
                if s.size >= Int(EA_TEAM_MIN_ADD) { split += 1 }
            default: break
            }
        }
        return (split, all)
    }

    /// What `bench` and the logs say about it: "" on one thread.
    public var splitNote: String {
        guard Parallel.threads > 1 else { return "" }
        let (k, n) = splitLayers
        return "; one image: \(k) of \(n) convolutions and adds split over \(min(Parallel.threads, LayerTeam.maxThreads)) threads"
    }
}
