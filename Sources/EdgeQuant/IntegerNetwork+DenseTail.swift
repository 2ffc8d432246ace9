// Dense layers at the end of a graph (LeNet's three fully connected layers) read every
// weight once per image, from L2, so at batch 1 they are bound by weight loads. For a chunk
// of images they run once, as a 1×1 convolution over `chunkImages` "pixels" (one per
// image): each weight vector then serves every image of the chunk. Every output is the
// same integer computation as per image (a pixel of a convolution does not see the others),
// so results are identical; the tests compare both paths and the reference kernels.

import CEdgeKernels
import EdgeCore

extension IntegerNetwork {
    /// Images per parallel chunk, also the width of the dense tail's chunk plans.
    static let chunkImages = 16

    /// The first node of the graph's dense tail: the longest run of 1×1 convolutions on a
    /// 1×1 map at the end, each reading the node before it; nil when there is none.
    static func denseTail(_ graph: QuantizedGraph) -> Int? {
        var t = graph.nodes.count
        while t - 1 >= 1 {
            let n = graph.nodes[t - 1]
            guard case .conv(let c) = n.op, c.depthMultiplier == 0, c.kernelH == 1, c.kernelW == 1, n.inputs == [t - 2],
                  QuantizedGraph.size(n.shape) == c.outChannels, QuantizedGraph.size(graph.nodes[t - 2].shape) == c.inChannels
            else { break }
            t -= 1
        }
        return t < graph.nodes.count && t >= 2 ? t : nil
    }

    /// The plan of dense layer `c` (node `n`, reading `input`) for a chunk: the same weights
    /// and requantisation over a 1 × chunkImages map.
    static func chunkPlan(_ c: QConvLayer, input: QNode, output n: QNode, isa: Int32) -> OpaquePointer? {
        var s = convShape(c, input: input, output: n)
        s.in_h = 1; s.in_w = Int32(chunkImages)
        s.out_h = 1; s.out_w = Int32(chunkImages)
        return c.weights.withUnsafeBufferPointer { w in
            c.realScale.withUnsafeBufferPointer { rs in ea_conv_plan_create(&s, w.baseAddress, c.bias, c.multiplier, c.shift, rs.baseAddress, isa) }
        }
    }

    /// The images `chunk` of `starts`: every node before the tail per image, the tail's
    /// input rows gathered, then each tail layer once for the chunk. Returns the logits,
    /// `classes` per image in chunk order.
    func runChunk(_ base: UnsafePointer<UInt8>, starts: [Int], _ chunk: Range<Int>, _ layout: PixelLayout, _ ws: Workspace, tail t: Int,
                  team: OpaquePointer? = nil) -> [Int8] {
        let inSize = sizes[t - 1]
        for (j, b) in chunk.enumerated() {
            runOne(base + starts[b], layout, ws, upTo: t, team: team)
            ws.chunk[t - 1].advanced(by: j * inSize).update(from: ws.buffers[t - 1], count: inSize)
        }
        for i in t..<graph.nodes.count {
            if let plan = chunkPlans[i] { ea_conv_plan_run(plan, ws.chunk[i - 1], ws.chunk[i], ws.scratch) }
        }
        return Array(UnsafeBufferPointer(start: ws.chunk[graph.nodes.count - 1], count: chunk.count * classes))
    }
}
