import EdgeCore
import EdgeModel

/// Everything a forward pass keeps for the backward pass. B = batch.
public struct ForwardPass {
    /// Batch size.
    public let batch: Int
    /// Output of every node, [B, per-node shape] flattened.
    public var outputs: [[Float]]
    /// Whether batch norm used batch statistics.
    public let training: Bool
    var poolArgs: [Int: [Int32]] = [:]
    var bnCaches: [Int: BatchNormCache] = [:]

    /// Logits [B, classes].
    public var logits: [Float] { outputs.last ?? [] }
}

/// Gradients from a backward pass.
public struct Gradients {
    /// Per node, per parameter tensor (same order as `Model.parameters`); empty when not requested.
    public var parameters: [[[Float]]]
    /// d loss / d input, [B, C, H, W]; nil when not requested.
    public var input: [Float]?
}

/// The float executor: forward and reverse-mode gradients with respect to parameters and
/// input for the whole layer set. Work is split over images in fixed chunks and every
/// reduction is summed in chunk order, so results are identical at any thread count.
public final class FloatNetwork {
    /// The model whose parameters are used (and updated by training).
    public var model: Model
    /// Per-node per-image shapes.
    public let shapes: [[Int]]
    /// Per-node per-image element counts.
    public let sizes: [Int]
    /// Images per gradient chunk: fixed, so partial sums never depend on the thread count.
    public static let chunkSize = 8
    /// Batch-norm momentum for running statistics (PyTorch's default).
    public var bnMomentum: Float = 0.1
    /// Fake quantisation of node outputs, node → (scale, zero point): the forward pass rounds
    /// the output to the int8 grid, real = scale·(clamp(round(x/scale) + zp) − zp); the
    /// backward pass is the straight-through estimator (identity). Used to attack the int8 net.
    public var fakeQuant: [Int: (scale: Float, zeroPoint: Int32)] = [:]

    /// Validates `model` and prepares the executor.
    public init(_ model: Model) throws {
        self.model = model
        self.shapes = try model.validate()
        self.sizes = shapes.map { ShapeMath.product($0) ?? 0 }
    }

    /// Number of classes.
    public var classes: Int { sizes.last ?? 0 }

    /// Forward pass over a batch `x` [B, C, H, W]. With `training`, batch norm uses batch
    /// statistics and updates its running averages.
    public func forward(_ x: [Float], batch b: Int, training: Bool = false) -> ForwardPass {
        var pass = ForwardPass(batch: b, outputs: [], training: training)
        pass.outputs.reserveCapacity(model.graph.nodes.count)
        for i in model.graph.nodes.indices {
            let y = i == 0 ? x : forwardNode(i, &pass)
            if let q = fakeQuant[i] {
                pass.outputs.append(ElementwiseLayer.fakeQuantise(y, scale: q.scale, zeroPoint: q.zeroPoint))
            } else {
                pass.outputs.append(y)
            }
        }
        return pass
    }

    /// Logits only, in eval mode, in batches of `batchSize`.
    public func logits(_ x: [Float], batch b: Int) -> [Float] {
        forward(x, batch: b).logits
    }

    /// Reverse-mode pass from `dLogits` [B, classes] (d loss / d logits).
    /// - Parameters:
    ///   - parameters: accumulate parameter gradients (training).
    ///   - input: return d loss / d input (attacks).
    public func backward(_ pass: ForwardPass, dLogits: [Float], parameters wantParams: Bool, input wantInput: Bool) -> Gradients {
        let nodes = model.graph.nodes
        var grads = [[Float]?](repeating: nil, count: nodes.count)
        grads[nodes.count - 1] = dLogits
        var pgrads: [[[Float]]] = wantParams ? model.parameters.map { $0.map { [Float](repeating: 0, count: $0.count) } } : []
        // Only nodes above the input need their input gradient; the input itself only when asked.
        let wants = { (j: Int) in j != 0 || wantInput }
        for i in stride(from: nodes.count - 1, through: 1, by: -1) {
            guard let dy = grads[i] else { continue }
            grads[i] = nil
            let r = backwardNode(i, pass, dy: dy, parameters: wantParams, wants: wants)
            if let p = r.params { pgrads[i] = p }
            // Summed in input order, so a residual's gradient always adds up the same way.
            for (j, d) in r.inputs {
                if grads[j] != nil { ElementwiseLayer.accumulate(&grads[j]!, d) } else { grads[j] = d }
            }
        }
        return Gradients(parameters: pgrads, input: wantInput ? (grads[0] ?? [Float](repeating: 0, count: pass.batch * sizes[0])) : nil)
    }
}
