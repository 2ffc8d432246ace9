// Also compiled into the board runner (Device/edge-run, Embedded Swift; scripts/build-device.sh):
// keep this file free of Foundation and of untyped `throws`.

import EdgeCore

/// The QNET section of model.bin (documented in docs/model-format.md).
extension QuantizedGraph {
    /// Section tag.
    public static let tag = "QNET"
    /// Section version written for graphs that only use version-1 ops (byte-identical to
    /// what earlier edge-audit releases wrote).
    public static let sectionVersion: UInt32 = 1
    /// Section version written when any node needs op codes 8–12.
    public static let sectionVersion2: UInt32 = 2

    /// The version `encode` writes: 1 unless a node needs a version-2 op code.
    public var encodedVersion: UInt32 {
        nodes.allSatisfy { $0.op.code <= 7 } ? Self.sectionVersion : Self.sectionVersion2
    }

    /// Serialises the graph.
    public func encode() -> [UInt8] {
        var w = ByteWriter()
        w.u32(encodedVersion)
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
            encodeParameters(n.op, &w)
        }
        return w.bytes
    }

    private func encodeParameters(_ op: QOp, _ w: inout ByteWriter) {
        switch op {
        case .conv(let c) where c.isVersion1:
            for v in [c.kernel, c.stride, c.padding, c.inChannels, c.outChannels] { w.u32(UInt32(v)) }
            w.u8(c.isDense ? 1 : 0)
            w.i32(c.actMin); w.i32(c.actMax)
            encodeTensors(c, &w)
        case .conv(let c):
            for v in [c.kernelH, c.kernelW, c.strideH, c.strideW, c.padTop, c.padBottom, c.padLeft, c.padRight,
                      c.inChannels, c.outChannels] { w.u32(UInt32(v)) }
            w.u8((c.isDense ? 1 : 0) | (c.isDepthwise ? 2 : 0))
            w.u8(c.rounding.rawValue)
            w.i32(c.actMin); w.i32(c.actMax)
            encodeTensors(c, &w)
            if c.rounding == .doubleScale { for v in c.realScale { w.f64(v) } }
        case let .maxPool(k, s), let .avgPool(k, s):
            w.u32(UInt32(k)); w.u32(UInt32(s))
        case .add(let a):
            for v in [a.leftShift, a.aMult, a.aShift, a.bMult, a.bShift, a.outMult, a.outShift, a.actMin, a.actMax] { w.i32(v) }
        case .quantizedInput(let t):
            w.u32(UInt32(t.table.count))
            w.raw(t.table.map { UInt8(bitPattern: $0) })
        case .pool(let p):
            w.u8(p.kind.rawValue)
            for v in [p.kernelH, p.kernelW, p.strideH, p.strideW, p.padTop, p.padBottom, p.padLeft, p.padRight] { w.u32(UInt32(v)) }
            w.i32(p.actMin); w.i32(p.actMax)
        case .mean(let m):
            w.i32(m.multiplier); w.i32(m.shift)
        case .pad(let p):
            for v in [p.top, p.bottom, p.left, p.right] { w.u32(UInt32(v)) }
        case .input, .globalAvgPool, .flatten, .relu:
            break
        }
    }

    private func encodeTensors(_ c: QConvLayer, _ w: inout ByteWriter) {
        w.raw(c.weights.map { UInt8(bitPattern: $0) })
        w.floats(c.weightScales)
        for v in c.bias { w.i32(v) }
        for v in c.multiplier { w.i32(v) }
        for v in c.shift { w.i32(v) }
    }

    /// Parses a QNET payload; every count is checked against the remaining bytes.
    /// Field-level consistency is `validate`'s job.
    public static func decode(_ b: [UInt8], path: String, base: Int) throws(EdgeError) -> QuantizedGraph {
        var r = ByteReader(b, path: path, section: tag, base: base)
        let v = try r.u32("QNET version")
        guard v == sectionVersion || v == sectionVersion2 else { throw r.fail("QNET version \(v) is not supported") }
        let method = try r.string("method", max: 64)
        let images = try r.count("calibration images", max: Int(Int32.max))
        let perTensor = try r.u8("per-tensor flag") != 0
        let count = try r.count("int8 node count", max: 512)
        var nodes: [QNode] = []
        for i in 0..<count {
            let code = try r.u8("node \(i) op")
            guard code <= 7 || v == sectionVersion2 else { throw r.fail("node \(i) op code \(code) needs QNET version 2") }
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
            let op = try decodeOp(code, node: i, &r)
            nodes.append(QNode(op: op, inputs: ins, name: name, floatNode: floatNode, shape: shape, quant: quant, rangeMin: lo, rangeMax: hi))
        }
        guard r.remaining == 0 else { throw r.fail("\(r.remaining) trailing bytes") }
        return QuantizedGraph(nodes: nodes, method: method, calibrationImages: images, perTensor: perTensor)
    }

    private static func decodeOp(_ code: UInt8, node i: Int, _ r: inout ByteReader) throws(EdgeError) -> QOp {
        switch code {
        case 0: return .input
        case 1:
            let k = try r.count("kernel", max: 15), s = try r.count("stride", max: 15), p = try r.count("padding", max: 15)
            let ic = try r.count("in channels", max: 1 << 22), oc = try r.count("out channels", max: 4096)
            let dense = try r.u8("dense flag") != 0
            let amin = try r.i32("act min"), amax = try r.i32("act max")
            let t = try decodeTensors(node: i, outChannels: oc, window: [k, k, ic], &r)
            return .conv(QConvLayer(kernel: k, stride: s, padding: p, inChannels: ic, outChannels: oc, isDense: dense, weights: t.w,
                                    weightScales: t.scales, bias: t.bias, multiplier: t.mult, shift: t.shift, actMin: amin, actMax: amax))
        case 12:
            var g: [Int] = []
            for f in ["kernel h", "kernel w", "stride h", "stride w", "pad top", "pad bottom", "pad left", "pad right"] {
                g.append(try r.count(f, max: 15))
            }
            let ic = try r.count("in channels", max: 1 << 22), oc = try r.count("out channels", max: 4096)
            let flags = try r.u8("conv flags")
            guard flags & ~3 == 0 else { throw r.fail("node \(i) conv flags \(flags) has unknown bits") }
            let rcode = try r.u8("rounding")
            guard let rounding = QRounding(rawValue: rcode) else { throw r.fail("node \(i) rounding \(rcode) is unknown") }
            let amin = try r.i32("act min"), amax = try r.i32("act max")
            let depthwise = flags & 2 != 0
            let t = try decodeTensors(node: i, outChannels: oc, window: [g[0], g[1], depthwise ? 1 : ic], &r)
            var real: [Double] = []
            if rounding == .doubleScale {
                guard oc * 8 <= r.remaining else { throw r.fail("node \(i) real scales need more bytes than remain") }
                for _ in 0..<oc { real.append(try r.f64("real scale")) }
            }
            return .conv(QConvLayer(kernelH: g[0], kernelW: g[1], strideH: g[2], strideW: g[3], padTop: g[4], padBottom: g[5],
                                    padLeft: g[6], padRight: g[7], inChannels: ic, outChannels: oc, isDense: flags & 1 != 0,
                                    isDepthwise: depthwise, weights: t.w, weightScales: t.scales, bias: t.bias, multiplier: t.mult,
                                    shift: t.shift, rounding: rounding, realScale: real, actMin: amin, actMax: amax))
        case 2: return .maxPool(kernel: try r.count("kernel", max: 15), stride: try r.count("stride", max: 15))
        case 3: return .avgPool(kernel: try r.count("kernel", max: 15), stride: try r.count("stride", max: 15))
        case 4: return .globalAvgPool
        case 5: return .flatten
        case 6: return .relu
        case 7:
            var f: [Int32] = []
            for name in ["left shift", "a multiplier", "a shift", "b multiplier", "b shift", "out multiplier", "out shift", "act min", "act max"] {
                f.append(try r.i32(name))
            }
            return .add(QAddLayer(leftShift: f[0], aMult: f[1], aShift: f[2], bMult: f[3], bShift: f[4], outMult: f[5], outShift: f[6], actMin: f[7], actMax: f[8]))
        case 8:
            let n = try r.count("input table length", max: 256 * 4096)
            return .quantizedInput(QInputLayer(table: try r.take(n, what: "input table").map { Int8(bitPattern: $0) }))
        case 9:
            let k = try r.u8("pool kind")
            guard let kind = QPoolLayer.Kind(rawValue: k) else { throw r.fail("node \(i) pool kind \(k) is unknown") }
            var g: [Int] = []
            for f in ["kernel h", "kernel w", "stride h", "stride w", "pad top", "pad bottom", "pad left", "pad right"] {
                g.append(try r.count(f, max: 15))
            }
            let amin = try r.i32("act min"), amax = try r.i32("act max")
            return .pool(QPoolLayer(kind: kind, kernelH: g[0], kernelW: g[1], strideH: g[2], strideW: g[3], padTop: g[4],
                                    padBottom: g[5], padLeft: g[6], padRight: g[7], actMin: amin, actMax: amax))
        case 10:
            return .mean(QMeanLayer(multiplier: try r.i32("mean multiplier"), shift: try r.i32("mean shift")))
        case 11:
            var g: [Int] = []
            for f in ["pad top", "pad bottom", "pad left", "pad right"] { g.append(try r.count(f, max: 4096)) }
            return .pad(QPadLayer(top: g[0], bottom: g[1], left: g[2], right: g[3]))
        default:
            throw r.fail("node \(i) has unknown int8 op code \(code)")
        }
    }

    private static func decodeTensors(node i: Int, outChannels oc: Int, window: [Int], _ r: inout ByteReader) throws(EdgeError)
        -> (w: [Int8], scales: [Float], bias: [Int32], mult: [Int32], shift: [Int32]) {
        guard let wn = ShapeMath.product([oc] + window), wn <= r.remaining else { throw r.fail("node \(i) weights need more bytes than remain") }
        let weights = try r.take(wn, what: "weights").map { Int8(bitPattern: $0) }
        let scales = try r.floats(oc, "weight scales")
        guard oc * 12 <= r.remaining else { throw r.fail("node \(i) per-channel integers need more bytes than remain") }
        var bias: [Int32] = [], mult: [Int32] = [], shift: [Int32] = []
        for _ in 0..<oc { bias.append(try r.i32("bias")) }
        for _ in 0..<oc { mult.append(try r.i32("multiplier")) }
        for _ in 0..<oc { shift.append(try r.i32("shift")) }
        return (weights, scales, bias, mult, shift)
    }
}
