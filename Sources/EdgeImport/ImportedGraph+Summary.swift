// A plain-text listing of an imported graph for `edge-audit inspect`: one line per node with
// its output shape, parameters and (int8) quantisation, so a person can check the import
// against the converter's view of the file.

extension ImportedGraph {
    /// One line for the graph, one per node, then the notes; stable text (no dictionary order).
    public var summary: [String] {
        var lines: [String] = []
        let input = tensors[input]
        lines.append("\(format.rawValue) model, \(precision.rawValue), input \(input.name) \(input.shape) \(input.type.rawValue)"
            + (input.quantization.map { " \(Self.describe($0))" } ?? "")
            + (softmaxDropped ? ", trailing softmax dropped (output is logits)" : ""))
        for (i, n) in nodes.enumerated() {
            let out = tensors[n.output]
            var line = "\(i). \(n.sourceOp) #\(n.sourceIndex) → \(out.shape) \(Self.describe(n.op))"
            if let q = out.quantization { line += " out \(Self.describe(q))" }
            lines.append(line)
        }
        if let labels = metadata.labels { lines.append("labels: \(labels.count) from \(metadata.labelSource ?? "?")") }
        if let p = metadata.preprocessing { lines.append("preprocessing: scale \(p.inputScale) mean \(p.mean) std \(p.std) (\(p.source))") }
        lines += notes.map { "note: \($0)" }
        return lines
    }

    /// `scale=…, zp=…` or the per-channel count and axis.
    static func describe(_ q: Quantization) -> String {
        if q.isPerTensor { return "scale=\(q.scales[0]) zp=\(q.zeroPoints.first ?? 0)" }
        return "\(q.scales.count) per-channel scales (axis \(q.axis.map(String.init) ?? "?"))"
    }

    static func describe(_ op: ImportedOp) -> String {
        func pads(_ p: Padding4) -> String { "pad t\(p.top) l\(p.left) b\(p.bottom) r\(p.right)" }
        func act(_ a: Activation) -> String { a == .none ? "" : " \(a)" }
        switch op {
        case .conv(let c), .depthwiseConv(let c):
            let w = c.weights.quantization.map { ", weights \(describe($0))" } ?? ""
            return "\(c.kernelH)×\(c.kernelW) stride \(c.strideH)×\(c.strideW) \(pads(c.padding))\(act(c.activation))\(w)"
        case .pool(let p):
            let avg = p.kind == .average ? (p.countIncludesPadding ? " ÷ window" : " ÷ cells inside") : ""
            return "\(p.kind.rawValue) \(p.kernelH)×\(p.kernelW) stride \(p.strideH)×\(p.strideW) \(pads(p.padding))\(avg)\(act(p.activation))"
        case .mean(let keep): return "mean over H, W\(keep ? " (keep dims)" : "")"
        case .add(let a): return "add\(act(a))"
        case .fullyConnected(let f):
            let w = f.weights.quantization.map { ", weights \(describe($0))" } ?? ""
            return "dense \(f.weights.shape)\(act(f.activation))\(w)"
        case .reshape(let s): return "reshape \(s)"
        case .pad(let p): return pads(p)
        case .activation(let a): return "\(a)"
        case .quantize: return "quantize"
        case .dequantize: return "dequantize"
        }
    }
}
