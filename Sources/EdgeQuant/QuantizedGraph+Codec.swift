// Also compiled into the board runner (Device/edge-run, Embedded Swift; scripts/build-device.sh):
// keep this file free of Foundation and of untyped `throws`.

import EdgeCore

/// The QNET section of model.bin (documented in docs/model-format.md).
extension QuantizedGraph {
    /// Section tag.
    public static let tag = "QNET"
    /// Section version.
    public static let sectionVersion: UInt32 = 1

    /// Serialises the graph.
    public func encode() -> [UInt8] {
        var w = ByteWriter()
        w.u32(Self.sectionVersion)
        w.string(method)
        w.u32(UInt32(calibrationImages))
        w.u8(perTensor ? 1 : 0)
        w.u32(UInt32(nodes.count))
        for n in nodes {
            w.u8(n.op.code)
            w.u8(UInt8(n.inputs.count))
            for i in n.inputs { w.u32(UInt32(i)) }
            w.string(n.name)
            w.u32(UInt32(n.floatNode))
            w.u8(UInt8(n.shape.count))
            for d in n.shape { w.u32(UInt32(d)) }
            w.f32(n.quant.scale)
            w.i32(n.quant.zeroPoint)
            w.f32(n.rangeMin)
            w.f32(n.rangeMax)
            switch n.op {
            case .conv(let c):
                for v in [c.kernel, c.stride, c.padding, c.inChannels, c.outChannels] { w.u32(UInt32(v)) }
                w.u8(c.isDense ? 1 : 0)
                w.i32(c.actMin); w.i32(c.actMax)
                w.raw(c.weights.map { UInt8(bitPattern: $0) })
                w.floats(c.weightScales)
                for v in c.bias { w.i32(v) }
                for v in c.multiplier { w.i32(v) }
                for v in c.shift { w.i32(v) }
            case let .maxPool(k, s), let .avgPool(k, s):
                w.u32(UInt32(k)); w.u32(UInt32(s))
            case .add(let a):
                for v in [a.leftShift, a.aMult, a.aShift, a.bMult, a.bShift, a.outMult, a.outShift, a.actMin, a.actMax] { w.i32(v) }
            default:
                break
            }
        }
        return w.bytes
    }

    /// Parses a QNET payload; every count is checked against the remaining bytes.
    /// Field-level consistency is `validate`'s job.
    public static func decode(_ b: [UInt8], path: String, base: Int) throws(EdgeError) -> QuantizedGraph {
        var r = ByteReader(b, path: path, section: tag, base: base)
        let v = try r.u32("QNET version")
        guard v == sectionVersion else { throw r.fail("QNET version \(v) is not supported") }
        let method = try r.string("method", max: 64)
        let images = try r.count("calibration images", max: Int(Int32.max))
        let perTensor = try r.u8("per-tensor flag") != 0
        let count = try r.count("int8 node count", max: 512)
        var nodes: [QNode] = []
        for i in 0..<count {
            let code = try r.u8("node \(i) op")
            let nin = Int(try r.u8("node \(i) input count"))
            guard nin <= 2 else { throw r.fail("node \(i) has \(nin) inputs") }
            var ins: [Int] = []
            for _ in 0..<nin { ins.append(try r.count("node \(i) input", max: 512)) }
            let name = try r.string("node \(i) name", max: 256)
            let floatNode = try r.count("node \(i) float node", max: 512)
            let rank = Int(try r.u8("node \(i) rank"))
            guard rank == 1 || rank == 3 else { throw r.fail("node \(i) rank \(rank) must be 1 or 3") }
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(try r.count("node \(i) dimension", max: 1 << 22)) }
            let quant = QuantParams(scale: try r.f32("node \(i) scale"), zeroPoint: try r.i32("node \(i) zero point"))
            let lo = try r.f32("node \(i) range min"), hi = try r.f32("node \(i) range max")
            let op: QOp
            switch code {
            case 0: op = .input
            case 1:
                let k = try r.count("kernel", max: 15), s = try r.count("stride", max: 15), p = try r.count("padding", max: 15)
                let ic = try r.count("in channels", max: 1 << 22), oc = try r.count("out channels", max: 4096)
                let dense = try r.u8("dense flag") != 0
                let amin = try r.i32("act min"), amax = try r.i32("act max")
                guard let wn = ShapeMath.product([oc, k, k, ic]), wn <= r.remaining else { throw r.fail("node \(i) weights need more bytes than remain") }
                let weights = try r.take(wn, what: "weights").map { Int8(bitPattern: $0) }
                let scales = try r.floats(oc, "weight scales")
                guard oc * 12 <= r.remaining else { throw r.fail("node \(i) per-channel integers need more bytes than remain") }
                var bias: [Int32] = [], mult: [Int32] = [], shift: [Int32] = []
                for _ in 0..<oc { bias.append(try r.i32("bias")) }
                for _ in 0..<oc { mult.append(try r.i32("multiplier")) }
                for _ in 0..<oc { shift.append(try r.i32("shift")) }
                op = .conv(QConvLayer(kernel: k, stride: s, padding: p, inChannels: ic, outChannels: oc, isDense: dense, weights: weights,
                                      weightScales: scales, bias: bias, multiplier: mult, shift: shift, actMin: amin, actMax: amax))
            case 2: op = .maxPool(kernel: try r.count("kernel", max: 15), stride: try r.count("stride", max: 15))
            case 3: op = .avgPool(kernel: try r.count("kernel", max: 15), stride: try r.count("stride", max: 15))
            case 4: op = .globalAvgPool
            case 5: op = .flatten
            case 6: op = .relu
            case 7:
                var f: [Int32] = []
                for name in ["left shift", "a multiplier", "a shift", "b multiplier", "b shift", "out multiplier", "out shift", "act min", "act max"] {
                    f.append(try r.i32(name))
                }
                op = .add(QAddLayer(leftShift: f[0], aMult: f[1], aShift: f[2], bMult: f[3], bShift: f[4], outMult: f[5], outShift: f[6], actMin: f[7], actMax: f[8]))
            default:
                throw r.fail("node \(i) has unknown int8 op code \(code)")
            }
            nodes.append(QNode(op: op, inputs: ins, name: name, floatNode: floatNode, shape: shape, quant: quant, rangeMin: lo, rangeMax: hi))
        }
        guard r.remaining == 0 else { throw r.fail("\(r.remaining) trailing bytes") }
        return QuantizedGraph(nodes: nodes, method: method, calibrationImages: images, perTensor: perTensor)
    }
}
