import EdgeQuant

/// Per-layer SQNR of the int8 activations against the float ones on the first 200 images
/// (a whole-sample figure: shard 1 computes it on the same images as an unsharded run).
public struct SQNRStage: AuditStage {
    /// `.sqnr`.
    public var id: StageID { .sqnr }
    /// Creates the stage.
    public init() {}

    /// Records each int8 layer's SQNR and the lowest finite one.
    public func run(_ ctx: AuditContext, into records: inout AuditRecords) throws {
        guard ctx.shard.ownsWholeSample else { return }
        let s = SQNR.perLayer(float: ctx.float, int8: ctx.int8, set: ctx.set, limit: 200)
        var lo = Double.infinity
        for (i, v) in s.enumerated() where i > 0 {
            let name = ctx.int8.graph.nodes[i].name
            records.whole.sqnr.append(LayerValue(layer: name, value: v))
            if v.isFinite { records.whole.values.append(MetricValue(metric: .sqnr(layer: name), value: v)); lo = min(lo, v) }
        }
        if lo.isFinite { records.whole.values.append(MetricValue(metric: .sqnrMin, value: lo)) }
    }
}
