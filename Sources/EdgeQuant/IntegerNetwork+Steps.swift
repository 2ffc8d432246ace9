// The per-image loop over a graph compiled once into plain steps. Walking the graph's
// enum payloads, a dictionary of plans and class properties per node retained and
// released shared objects at every layer of every image; with several threads those
// atomic reference counts bounced one cache line between cores (MobileNet-style and
// LeNet-5 batches scaled 1.65× on 2 cores). A step holds only values and C pointers.

import CEdgeKernels
import CEdgeTeam

/// One node as `runOne` runs it: its kernel, inputs, output size and C arguments.
struct IntegerStep {
    enum Kind { case input, conv, maxPool, avgPool, globalAvgPool, pool2, mean, pad, flatten, relu, add }
    var kind: Kind
    var in0 = 0, in1 = 0
    var size = 0
    var plan: OpaquePointer?
    /// Pooling (plain kernels): h, w, c, kernel, stride, out h, out w. Input, global pool
    /// and MEAN: h, w, c. PAD: h, w, c, top, bottom, left, right.
    var dims: (Int32, Int32, Int32, Int32, Int32, Int32, Int32) = (0, 0, 0, 0, 0, 0, 0)
    /// TFLite pooling windows (`pool2`), with `isMax` choosing max or average.
    var pool = ea_pool_shape()
    var isMax = false
    var add = ea_add_params()
    /// MEAN: input zero point, multiplier, shift, output zero point. RELU/PAD: zero point first.
    var q: (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
    /// A node (a convolution or the input) that writes straight into the input image of
    /// the convolution it feeds (node `feeds`, plan `next`; see `link`), and a convolution
    /// that reads such an image (written by node `fedBy`): -1 when not.
    var feeds = -1, fedBy = -1
    var next: OpaquePointer?

    init(kind: Kind) { self.kind = kind }
}

extension IntegerNetwork {
    /// The steps of `graph`, node by node, with `plans[i]` for its convolutions.
    static func steps(_ graph: QuantizedGraph, plans: [OpaquePointer?]) -> [IntegerStep] {
        let i32 = { (v: Int) in Int32(v) }
        return graph.nodes.enumerated().map { i, n in
            let si = n.inputs.first.map { graph.nodes[$0].shape } ?? n.shape
            let hwc = si.count == 3 ? (i32(si[0]), i32(si[1]), i32(si[2])) : (1, 1, i32(si.first ?? 0))
            var s: IntegerStep
            switch n.op {
            case .input, .quantizedInput:
                s = IntegerStep(kind: .input)
                s.dims = (i32(n.shape[0]), i32(n.shape[1]), i32(n.shape[2]), 0, 0, 0, 0)
            case .conv:
                s = IntegerStep(kind: .conv)
                s.plan = plans[i]
            case let .maxPool(k, st), let .avgPool(k, st):
                if case .maxPool = n.op { s = IntegerStep(kind: .maxPool) } else { s = IntegerStep(kind: .avgPool) }
                s.dims = (hwc.0, hwc.1, hwc.2, i32(k), i32(st), i32(n.shape[0]), i32(n.shape[1]))
            case .globalAvgPool:
                s = IntegerStep(kind: .globalAvgPool)
                s.dims = (hwc.0, hwc.1, hwc.2, 0, 0, 0, 0)
            case .pool(let p):
                // Square, unpadded, unclamped windows take the plain SIMD pools (identical
                // there, since no window is clipped); anything else the clipped-window kernels.
                let plain = p.kernelH == p.kernelW && p.strideH == p.strideW && p.padTop + p.padBottom + p.padLeft + p.padRight == 0
                    && p.actMin == -128 && p.actMax == 127
                if plain {
                    s = IntegerStep(kind: p.kind == .max ? .maxPool : .avgPool)
                    s.dims = (hwc.0, hwc.1, hwc.2, i32(p.kernelH), i32(p.strideH), i32(n.shape[0]), i32(n.shape[1]))
                } else {
                    s = IntegerStep(kind: .pool2)
                    s.isMax = p.kind == .max
                    s.pool = ea_pool_shape(in_h: hwc.0, in_w: hwc.1, c: hwc.2, out_h: i32(n.shape[0]), out_w: i32(n.shape[1]),
                                           kernel_h: i32(p.kernelH), kernel_w: i32(p.kernelW), stride_h: i32(p.strideH), stride_w: i32(p.strideW),
                                           pad_top: i32(p.padTop), pad_left: i32(p.padLeft), act_min: p.actMin, act_max: p.actMax)
                }
            case .mean(let m):
                s = IntegerStep(kind: .mean)
                s.dims = (hwc.0, hwc.1, hwc.2, 0, 0, 0, 0)
                s.q = (graph.nodes[n.inputs[0]].quant.zeroPoint, m.multiplier, m.shift, n.quant.zeroPoint)
            case .pad(let p):
                s = IntegerStep(kind: .pad)
                s.dims = (hwc.0, hwc.1, hwc.2, i32(p.top), i32(p.bottom), i32(p.left), i32(p.right))
                s.q.0 = n.quant.zeroPoint
            case .flatten:
                s = IntegerStep(kind: .flatten)
            case .relu:
                s = IntegerStep(kind: .relu)
                s.q.0 = n.quant.zeroPoint
            case .add(let a):
                s = IntegerStep(kind: .add)
                s.add = ea_add_params(a_zp: graph.nodes[n.inputs[0]].quant.zeroPoint, a_mult: a.aMult, a_shift: a.aShift,
                                      b_zp: graph.nodes[n.inputs[1]].quant.zeroPoint, b_mult: a.bMult, b_shift: a.bShift,
                                      left_shift: a.leftShift, out_mult: a.outMult, out_shift: a.outShift, out_zp: n.quant.zeroPoint,
                                      act_min: a.actMin, act_max: a.actMax)
            }
            s.in0 = n.inputs.first ?? 0
            s.in1 = n.inputs.count > 1 ? n.inputs[1] : 0
            s.size = QuantizedGraph.size(n.shape)
            return s
        }
    }

    /// Which nodes write straight into the next one's input image: node i feeds node j when
    /// j is i's only reader, a convolution whose plan takes it from i (a convolution's plan:
    /// ea_conv_plan_can_feed; the input node: ea_conv_plan_can_take_pixels), and not part of
    /// the dense tail (run for a chunk from the tensors). Sets `feeds`, `fedBy` and `next`.
    static func link(_ steps: inout [IntegerStep], _ graph: QuantizedGraph, plans: [OpaquePointer?], tail: Int?) {
        var readers = [[Int]](repeating: [], count: graph.nodes.count)
        for (j, n) in graph.nodes.enumerated() { for i in n.inputs { readers[i].append(j) } }
        for i in graph.nodes.indices {
            guard readers[i].count == 1, let j = readers[i].first, graph.nodes[j].inputs == [i], let q = plans[j],
                  tail.map({ j < $0 }) ?? true else { continue }
            if let p = plans[i] {
                guard ea_conv_plan_can_feed(p, q) != 0 else { continue }
            } else {
                guard steps[i].kind == .input, ea_conv_plan_can_take_pixels(q) != 0 else { continue }
            }
            steps[i].feeds = j
            steps[i].next = q
            steps[j].fedBy = i
        }
    }

    /// Nodes (convolutions, the input) that write straight into the next one's input image
    /// (0 off AVX-512).
    public var linkedLayers: Int { steps.filter { $0.feeds >= 0 }.count }

    /// One image whose pixels start at `px`, through every node (before `end`) into `ws`.
    /// With a `team`, large convolutions and adds split their outputs over its threads.
    /// With `fused`, linked layers pass their outputs as the next one's input image (their
    /// tensors are then not written: callers that read every node's output pass false).
    func runOne(_ px: UnsafePointer<UInt8>, _ layout: PixelLayout, _ ws: Workspace, upTo end: Int? = nil, team: OpaquePointer? = nil,
                fused: Bool = true) {
        let isa = self.isa, scratch = ws.scratch
        let last = min(end ?? steps.count, steps.count)
        steps.withUnsafeBufferPointer { st in
            ws.buffers.withUnsafeBufferPointer { buf in
                for i in 0..<last {
                    let s = st[i], out = buf[i], a = buf[s.in0]
                    let d = s.dims
                    switch s.kind {
                    case .input:
                        if fused && s.feeds >= 0 && s.feeds < last, let next = s.next {
                            flippedTable.withUnsafeBufferPointer { ea_conv_plan_pixels_into(next, isa, $0.baseAddress, px, ws.images[i]) }
                        } else {
                            quantizeInput(px, layout, h: Int(d.0), w: Int(d.1), c: Int(d.2), out)
                        }
                    case .conv:
                        guard let plan = s.plan else { break }
                        // Links inside the run only: a node past `end` reads nothing.
                        let into = fused && s.feeds >= 0 && s.feeds < last, from = fused && s.fedBy >= 0
                        if into || from {
                            ea_team_conv_linked(team, plan, a, from ? UnsafeRawPointer(ws.images[s.fedBy]) : nil, out, into ? s.next : nil,
                                                into ? ws.images[i] : nil, scratch)
                        } else {
                            ea_team_conv(team, plan, a, out, scratch)
                        }
                    case .maxPool: ea_qs8_maxpool(isa, d.0, d.1, d.2, d.3, d.4, d.5, d.6, a, out)
                    case .avgPool: ea_qs8_avgpool(isa, d.0, d.1, d.2, d.3, d.4, d.5, d.6, a, out)
                    case .globalAvgPool: ea_qs8_gap(isa, d.0, d.1, d.2, a, out)
                    case .pool2:
                        var p = s.pool
                        if s.isMax { ea_qs8_maxpool2(isa, &p, a, out) } else { ea_qs8_avgpool2(isa, &p, a, out) }
                    case .mean: ea_qs8_mean(isa, d.0, d.1, d.2, s.q.0, s.q.1, s.q.2, s.q.3, a, out)
                    case .pad: ea_qs8_pad_ref(d.0, d.1, d.2, d.3, d.4, d.5, d.6, Int8(truncatingIfNeeded: s.q.0), a, out)
                    case .flatten: out.update(from: a, count: s.size)
                    case .relu: ea_qs8_relu_ref(s.size, s.q.0, a, out)
                    case .add:
                        var p = s.add
                        ea_team_add(team, isa, &p, s.size, a, buf[s.in1], out)
                    }
                }
            }
        }
    }
}
