import EdgeCore
import EdgeModel

/// A deliberately simple model of an audit's peak memory, so that a run that cannot fit is
/// refused before it starts (MemoryBudget) rather than thrashing or dying in an allocator.
public enum AuditMemory {
    /// Estimated peak bytes of an audit of `images` images (0 when not yet known) with
    /// `settings` on `graph`: the decoded set and one modified copy (corrupted or
    /// adversarial) as uint8, a batch's float activations with their gradients and attack
    /// state (one image when the count is not known yet), each worker's im2col buffer,
    /// the MI sample's activations of both nets and
    /// its two N×N float64 matrices, plus the runtime itself.
    public static func estimate(_ graph: Graph, settings: AuditSettings, images: Int) -> Int {
        guard let shapes = try? graph.shapes() else { return 0 }
        let sizes = shapes.map { ShapeMath.product($0) ?? 0 }
        let perImage = sizes.reduce(0, +)
        let pixels = sizes.first ?? 0
        var im2col = 0
        for (i, n) in graph.nodes.enumerated() {
            if case let .conv2d(_, k, _, _) = n.op, let inC = shapes[n.inputs[0]].first {
                im2col = max(im2col, k * k * inC * sizes[i] / max(shapes[i].first ?? 1, 1))
            }
        }
        let batch = images > 0 ? min(100, images) : 1
        var total = 96 << 20
        total += images * pixels * 3
        total += batch * perImage * 4 * 3
        total += Parallel.threads * 8 * im2col * 4
        let mi = min(settings.miSamples, images == 0 ? settings.miSamples : images)
        if mi > 1 {
            let probed = graph.nodes.indices.filter { if case .conv2d = graph.nodes[$0].op { return true }; if case .dense = graph.nodes[$0].op { return true }; return false }
            total += mi * probed.reduce(0) { $0 + sizes[$1] } * (4 * 2 + 1)
            total += mi * mi * 8 * 2
        }
        return total
    }

    /// Estimated peak bytes of running `graph` (forward passes, attacks of the quick profile,
    /// no MI sample) on `images` images — what predict, evaluate, attack and bench need.
    public static func estimateInference(_ graph: Graph, images: Int) -> Int {
        var s = AuditSettings.profile("quick")!
        s.miSamples = 0
        return estimate(graph, settings: s, images: images)
    }
}
