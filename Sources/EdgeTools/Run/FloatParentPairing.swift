import EdgeCore
import EdgeData
import EdgeFloat
import EdgeImportFloat
import EdgeImportQuant
import EdgeModel
import EdgeQuant

/// `--float-model`: an int8-only .tflite paired with the float model it was converted from,
/// so the audit compares the real float net with the file's int8 net. The pair takes its
/// structure from the int8 graph (whose fusions, pads and flattens the int8 engine runs) and
/// its weights, activations and preprocessing from the float parent, matched weight layer by
/// weight layer and add by add in order; then both float nets must give the same logits.
public enum FloatParentPairing {
    /// Largest logit difference accepted between the paired float net and the parent's own,
    /// relative to the larger of 1 and the largest logit.
    public static let tolerance: Float = 1e-4

    /// The pair, or a usage error naming the first layer that differs.
    public static func pair(_ m: ImportedInt8Model, int8Path: String, parent p: Model, parentPath: String, classNames: [String]) throws -> LoadedModel {
        let g = p.graph
        func isPrep(_ gr: Graph, _ i: Int) -> Bool { QuantizedGraph.isInputAffine(gr, i) && gr.nodes[i].name.hasPrefix(FloatGraphMapper.preprocessingNode) }
        func weightLayers(_ gr: Graph, skipping skip: (Int) -> Bool) -> [Int] {
            gr.nodes.indices.filter { i in
                switch gr.nodes[i].op { case .conv2d, .convolution, .dense: return !skip(i); default: return false }
            }
        }
        if let bn = g.nodes.first(where: { if case .batchNorm = $0.op { return true } else { return false } }) {
            throw EdgeError.usage("--float-model \(parentPath): batch norm \(bn.name) is not folded into its convolution; pair a model without batch norms (an exported inference graph)")
        }
        let pw = weightLayers(g) { isPrep(g, $0) }, pa = g.nodes.indices.filter { g.nodes[$0].op == .add }
        let qn = m.graph.nodes
        let qc = qn.indices.filter { if case .conv = qn[$0].op { return true } else { return false } }
        let qa = qn.indices.filter { if case .add = qn[$0].op { return true } else { return false } }
        guard pw.count == qc.count, pa.count == qa.count else {
            throw EdgeError.usage("--float-model \(parentPath) has \(pw.count) weight layers and \(pa.count) adds, \(int8Path) has \(qc.count) and \(qa.count): not the float parent of this int8 model")
        }
        var consumers = [[Int]](repeating: [], count: g.nodes.count)
        for (i, n) in g.nodes.enumerated() { for j in n.inputs { consumers[j].append(i) } }
        func activation(_ j: Int) -> Op? {
            guard consumers[j].count == 1 else { return nil }
            let op = g.nodes[consumers[j][0]].op
            switch op { case .relu, .clip: return op; default: return nil }
        }
        var acts: [Int: Op?] = [:]
        for (qi, pj) in zip(qc, pw) { acts[qi] = activation(pj) }
        for (qi, pj) in zip(qa, pa) { acts[qi] = activation(pj) }
        var pair = try DequantizedFloatModel.make(m, classNames: classNames, path: int8Path, activations: acts)
        let t = pair.model.graph
        // The parent's preprocessing (or none: it reads pixel / 255) replaces the table's fit.
        if t.nodes.count > 1, QuantizedGraph.isInputAffine(t, 1) {
            let c = t.inputShape[0]
            pair.model.parameters[1] = isPrep(g, 1) ? p.parameters[1]
                : [Tensor(shape: [c, 1, 1, 1], data: [Float](repeating: 1, count: c)), Tensor(shape: [c], data: [Float](repeating: 0, count: c))]
        }
        let tw = weightLayers(t) { $0 == 1 && QuantizedGraph.isInputAffine(t, 1) }
        for (k, (ti, pj)) in zip(tw, pw).enumerated() {
            let want = pair.model.parameters[ti].map(\.shape), got = p.parameters[pj].map(\.shape)
            guard want == got else {
                throw EdgeError.usage("--float-model \(parentPath): weight layer \(k) differs: \(g.nodes[pj].name) has weights \(got), "
                                      + "\(int8Path)'s \(t.nodes[ti].name) \(want)")
            }
            pair.model.parameters[ti] = p.parameters[pj]
        }
        try verify(pair.model, parent: p, aligned: Array(zip(tw, pw)), int8Path: int8Path, parentPath: parentPath)
        return pair
    }

    /// Both float nets on seeded smooth images: the same logits, or an error naming the first
    /// aligned weight layer whose outputs differ.
    static func verify(_ pair: Model, parent p: Model, aligned: [(Int, Int)], int8Path: String, parentPath: String) throws {
        let s = pair.graph.inputShape
        guard p.graph.inputShape == s else {
            throw EdgeError.usage("--float-model \(parentPath) takes \(p.graph.inputShape), \(int8Path) takes \(s) (C, H, W)")
        }
        var rng = SeededGenerator(seed: 1)
        let n = 8, size = s[0] * s[1] * s[2]
        let blocks = (0..<(n * s[0] * 64)).map { _ in Float(UInt8.random(in: 0...255, using: &rng)) / 255 }
        let x = (0..<(n * size)).map { i -> Float in
            let img = i / size, r = i % size, ch = r / (s[1] * s[2]), y = (r / s[2]) % s[1], xx = r % s[2]
            return blocks[((img * s[0] + ch) * 8 + y * 8 / s[1]) * 8 + xx * 8 / s[2]]
        }
        let a = try FloatNetwork(pair).forward(x, batch: n), b = try FloatNetwork(p).forward(x, batch: n)
        func off(_ u: [Float], _ v: [Float]) -> Float {
            guard u.count == v.count else { return .infinity }
            return (zip(u, v).map { abs($0 - $1) }.max() ?? 0) / max(1, v.map { abs($0) }.max() ?? 0)
        }
        guard off(a.logits, b.logits) > tolerance else { return }
        let first = aligned.first { off(a.outputs[$0.0], b.outputs[$0.1]) > tolerance }
        let at = first.map { "first at \(p.graph.nodes[$0.1].name) (\(int8Path)'s \(pair.graph.nodes[$0.0].name))" } ?? "after the last weight layer"
        throw EdgeError.usage("--float-model \(parentPath) is not the float parent of \(int8Path): in its structure the parent's weights give logits "
                              + "that differ from the parent's own by \(off(a.logits, b.logits)) (relative), \(at)")
    }
}
