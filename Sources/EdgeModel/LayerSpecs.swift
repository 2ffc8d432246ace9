// Parameters of the general float layers imported models need (per-axis kernels and
// strides, per-side padding, depthwise, padded pooling). Compiled into the board runner with
// Graph.swift (scripts/build-device.sh): keep it free of Foundation and of untyped `throws`.

import EdgeCore

/// Zero padding in pixels on each side of a [C, H, W] tensor.
public struct SidePadding: Equatable, Sendable {
    /// Rows above, columns on the left, rows below, columns on the right.
    public var top: Int, left: Int, bottom: Int, right: Int

    /// Padding on each side.
    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top; self.left = left; self.bottom = bottom; self.right = right
    }

    /// No padding.
    public static let zero = SidePadding(top: 0, left: 0, bottom: 0, right: 0)

    /// The four values, in the order they are stored in model.bin.
    public var values: [Int] { [top, left, bottom, right] }
}

/// A 2-D window: kernel and stride per axis, padding per side. Output sizes follow the floor
/// rule, (in + top + bottom − kernel) / stride + 1.
public struct Window2D: Equatable, Sendable {
    /// Kernel height and width.
    public var kernelH: Int, kernelW: Int
    /// Vertical and horizontal stride.
    public var strideH: Int, strideW: Int
    /// Padding per side.
    public var padding: SidePadding

    /// A window.
    public init(kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padding: SidePadding) {
        self.kernelH = kernelH; self.kernelW = kernelW
        self.strideH = strideH; self.strideW = strideW
        self.padding = padding
    }

    /// Output [OH, OW] over an [H, W] input, or nil and the reason it does not fit the limits.
    func output(h: Int, w: Int) -> (hw: [Int]?, why: String) {
        let lim = Graph.Limits.maxKernel
        guard (1...lim).contains(kernelH), (1...lim).contains(kernelW), (1...lim).contains(strideH), (1...lim).contains(strideW) else {
            return (nil, "kernel \(kernelH)×\(kernelW) and stride \(strideH)×\(strideW) must each be in 1...\(lim)")
        }
        let p = padding
        guard p.top >= 0, p.bottom >= 0, p.left >= 0, p.right >= 0, p.top < kernelH, p.bottom < kernelH, p.left < kernelW, p.right < kernelW else {
            return (nil, "padding \(p.values) must be non-negative and smaller than the kernel on its axis")
        }
        guard let oh = ShapeMath.windowOutput(size: h + p.top + p.bottom, kernel: kernelH, stride: strideH, padding: 0),
              let ow = ShapeMath.windowOutput(size: w + p.left + p.right, kernel: kernelW, stride: strideW, padding: 0) else {
            return (nil, "window \(kernelH)×\(kernelW) does not fit input \(h)×\(w) padded by \(p.values)")
        }
        return ([oh, ow], "")
    }
}

/// A convolution with a general window: dense (groups 1) or depthwise (one filter per input
/// channel, multiplier 1). Weight [O, I, KH, KW] (depthwise [C, 1, KH, KW]), bias [O].
public struct ConvSpec: Equatable, Sendable {
    /// Output channels (equal to the input channels when depthwise).
    public var outChannels: Int
    /// Kernel, stride and padding.
    public var window: Window2D
    /// One filter per channel instead of a sum over all input channels.
    public var depthwise: Bool

    /// A convolution.
    public init(outChannels: Int, window: Window2D, depthwise: Bool) {
        self.outChannels = outChannels
        self.window = window
        self.depthwise = depthwise
    }
}

/// Max or average pooling with a general window. Padded cells never win a max; an average
/// divides by the whole window when `countIncludesPadding`, else by the cells inside the input.
public struct PoolSpec: Equatable, Sendable {
    /// Maximum or mean over the window.
    public var isMax: Bool
    /// Kernel, stride and padding.
    public var window: Window2D
    /// Average divisor rule (ONNX count_include_pad = 1); ignored by max.
    public var countIncludesPadding: Bool

    /// A pooling window.
    public init(isMax: Bool, window: Window2D, countIncludesPadding: Bool) {
        self.isMax = isMax
        self.window = window
        self.countIncludesPadding = countIncludesPadding
    }
}

// MARK: - GRPH bytes of ops 10–13 (docs/model-format.md), shared by the host's ModelFile and
// the board runner's loader so that both give every file the same verdict.

extension Op {
    /// Appends the parameters of an op 10–13 (nothing for the others).
    public func encodeImportedParameters(_ w: inout ByteWriter) {
        func window(_ win: Window2D) {
            ([win.kernelH, win.kernelW, win.strideH, win.strideW] + win.padding.values).forEach { w.u32(UInt32($0)) }
        }
        switch self {
        case let .convolution(c): w.u32(UInt32(c.outChannels)); window(c.window); w.u8(c.depthwise ? 1 : 0)
        case let .pool(p): w.u8(p.isMax ? 1 : 0); window(p.window); w.u8(p.countIncludesPadding ? 1 : 0)
        case let .clip(lo, hi): w.f32(lo); w.f32(hi)
        case let .pad(p): p.values.forEach { w.u32(UInt32($0)) }
        default: break
        }
    }

    /// Reads op `code` (10–13) and its parameters; every count is bounded before use.
    public static func decodeImported(_ code: UInt8, _ r: inout ByteReader) throws(EdgeError) -> Op {
        let k = Graph.Limits.maxKernel
        func flag(_ what: String) throws(EdgeError) -> Bool {
            let b = try r.u8(what)
            guard b <= 1 else { throw r.fail("\(what) must be 0 or 1, is \(b)") }
            return b == 1
        }
        func window() throws(EdgeError) -> Window2D {
            let kh = try r.count("kernel h", max: k), kw = try r.count("kernel w", max: k)
            let sh = try r.count("stride h", max: k), sw = try r.count("stride w", max: k)
            let t = try r.count("pad top", max: k), l = try r.count("pad left", max: k)
            let b = try r.count("pad bottom", max: k), rr = try r.count("pad right", max: k)
            return Window2D(kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, padding: SidePadding(top: t, left: l, bottom: b, right: rr))
        }
        switch code {
        case 10:
            let o = try r.count("out channels", max: Graph.Limits.maxChannels)
            let win = try window()
            return .convolution(ConvSpec(outChannels: o, window: win, depthwise: try flag("depthwise")))
        case 11:
            let isMax = try flag("max")
            let win = try window()
            return .pool(PoolSpec(isMax: isMax, window: win, countIncludesPadding: try flag("count includes padding")))
        case 12:
            let lo = try r.f32("clip lower")
            return .clip(lower: lo, upper: try r.f32("clip upper"))
        case 13:
            let t = try r.count("pad top", max: k), l = try r.count("pad left", max: k)
            let b = try r.count("pad bottom", max: k), rr = try r.count("pad right", max: k)
            return .pad(SidePadding(top: t, left: l, bottom: b, right: rr))
        default:
            throw r.fail("op code \(code) is not one of the imported-model ops 10–13")
        }
    }
}
