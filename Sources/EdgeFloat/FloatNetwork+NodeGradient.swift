extension FloatNetwork {
    /// d loss / d (output of node `target`), [B, per-node shape], from `dLogits` (Grad-CAM's
    /// gradient of a class score with respect to a feature map). The reverse pass stops once
    /// every node after `target` has sent its gradient back: nodes are in topological order,
    /// so every consumer of `target` has a larger index and the sum is then complete.
    public func nodeGradient(_ pass: ForwardPass, dLogits: [Float], node target: Int) -> [Float] {
        let nodes = model.graph.nodes
        precondition(target >= 0 && target < nodes.count && dLogits.count == pass.batch * classes)
        if target == nodes.count - 1 { return dLogits }
        var grads = [[Float]?](repeating: nil, count: nodes.count)
        grads[nodes.count - 1] = dLogits
        // Inputs below the target never matter, so they are not asked for.
        let wants = { (j: Int) in j >= target }
        for i in stride(from: nodes.count - 1, to: target, by: -1) {
            guard let dy = grads[i] else { continue }
            grads[i] = nil
            let r = backwardNode(i, pass, dy: dy, parameters: false, wants: wants)
            for (j, d) in r.inputs where j >= target {
                if grads[j] != nil { ElementwiseLayer.accumulate(&grads[j]!, d) } else { grads[j] = d }
            }
        }
        // A node the logits do not depend on has gradient zero.
        return grads[target] ?? [Float](repeating: 0, count: pass.batch * sizes[target])
    }
}
