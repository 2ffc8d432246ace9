import CEdgeRun

/// stdout and stderr for a program without Foundation or `print(_:to:)`: every byte goes
/// through the C shim's write loop, so a failed write is seen rather than lost.
enum Console {
    /// Writes `text` to stderr followed by a newline (best effort: nowhere to report a failure),
    /// with control characters other than newline and tab escaped as the host's `printError`
    /// does (`SafeName.printable`): names read from a model file never drive the terminal.
    static func error(_ text: String) {
        var line = SafeName.printable(text)
        line.append("\n")
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBufferPointer { er_write(2, $0.baseAddress, $0.count) }
    }

    /// Writes `text` to stdout; false when the write failed (closed pipe, full disk).
    static func out(_ text: String) -> Bool {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { er_write(1, $0.baseAddress, $0.count) } == 0
    }

    /// Writes raw bytes to stdout; false when the write failed.
    static func out(_ bytes: UnsafeRawPointer, count: Int) -> Bool {
        er_write(1, bytes, count) == 0
    }

    /// `value / 10^decimals` as a decimal string, e.g. fixed(12345, 3) = "12.345": Embedded
    /// Swift has no float formatting, and integer maths keeps the output exact.
    static func fixed(_ value: UInt64, decimals: Int) -> String {
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        var frac = String(value % scale)
        while frac.utf8.count < decimals { frac = "0" + frac }
        return decimals == 0 ? String(value) : String(value / scale) + "." + frac
    }
}

/// Shapes in messages as the host prints them ("[6, 1, 5, 5]"): Embedded Swift cannot
/// describe an arbitrary Array, and the shared validation code interpolates shapes.
extension DefaultStringInterpolation {
    /// Appends `values` as "[a, b, c]".
    mutating func appendInterpolation(_ values: [Int]) {
        appendLiteral("[")
        for (i, v) in values.enumerated() {
            if i > 0 { appendLiteral(", ") }
            appendInterpolation(v)
        }
        appendLiteral("]")
    }
}

/// Float ops in messages as the host prints them (its reflection: "maxPool(kernel: 2, stride: 2)"):
/// Embedded Swift has no reflection, and the shared cross-check interpolates the float op.
extension DefaultStringInterpolation {
    /// Appends `op` as `String(describing:)` does on the host.
    mutating func appendInterpolation(_ op: Op) {
        switch op {
        case .input: appendLiteral("input")
        case let .conv2d(o, k, s, p): appendLiteral("conv2d(outChannels: \(o), kernel: \(k), stride: \(s), padding: \(p))")
        case let .dense(o): appendLiteral("dense(outFeatures: \(o))")
        case .relu: appendLiteral("relu")
        case let .maxPool(k, s): appendLiteral("maxPool(kernel: \(k), stride: \(s))")
        case let .avgPool(k, s): appendLiteral("avgPool(kernel: \(k), stride: \(s))")
        case .globalAvgPool: appendLiteral("globalAvgPool")
        case .flatten: appendLiteral("flatten")
        case let .batchNorm(eps): appendLiteral("batchNorm(epsilon: \(eps))")
        case .add: appendLiteral("add")
        case let .convolution(c):
            appendLiteral("convolution(EdgeModel.ConvSpec(outChannels: \(c.outChannels), window: \(c.window), depthwise: \(c.depthwise)))")
        case let .pool(p):
            appendLiteral("pool(EdgeModel.PoolSpec(isMax: \(p.isMax), window: \(p.window), countIncludesPadding: \(p.countIncludesPadding)))")
        case let .clip(lo, hi): appendLiteral("clip(lower: \(lo), upper: \(hi))")
        case let .pad(p): appendLiteral("pad(\(p))")
        }
    }

    /// `Window2D` as the host's reflection prints it inside an op.
    mutating func appendInterpolation(_ w: Window2D) {
        appendLiteral("EdgeModel.Window2D(kernelH: \(w.kernelH), kernelW: \(w.kernelW), strideH: \(w.strideH), strideW: \(w.strideW), padding: \(w.padding))")
    }

    /// `SidePadding` as the host's reflection prints it inside an op.
    mutating func appendInterpolation(_ p: SidePadding) {
        appendLiteral("EdgeModel.SidePadding(top: \(p.top), left: \(p.left), bottom: \(p.bottom), right: \(p.right))")
    }
}
