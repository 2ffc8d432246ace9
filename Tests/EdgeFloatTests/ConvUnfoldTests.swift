import XCTest
import EdgeCore
@testable import EdgeFloat
import EdgeModel

/// The SIMD row kernels of the float gradient path against their scalar reference twins:
/// the same floats bit for bit (the kernels copy, zero and add per element in the reference's
/// order, so nothing may differ, not even by one ulp), over many geometries including odd
/// sizes, asymmetric padding, padding wider than the kernel, vertical stride and rows
/// shorter than one SIMD vector.
final class ConvUnfoldTests: XCTestCase {
    /// (C, H, W, KH, KW, SH, top, left, bottom, right); horizontal stride 1 (the SIMD path).
    static let shapes: [(Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)] = [
        (1, 28, 28, 5, 5, 1, 2, 2, 2, 2), (6, 14, 14, 5, 5, 1, 0, 0, 0, 0), (16, 5, 5, 3, 3, 1, 1, 1, 1, 1),
        (3, 7, 9, 3, 2, 1, 1, 0, 1, 1), (2, 5, 3, 3, 3, 2, 1, 1, 1, 1), (1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
        (2, 4, 6, 2, 5, 1, 0, 3, 2, 3), (5, 11, 13, 4, 4, 3, 2, 2, 2, 2), (1, 3, 17, 1, 7, 1, 0, 6, 0, 6),
        (4, 9, 2, 3, 2, 1, 0, 0, 0, 0), (3, 6, 6, 1, 1, 1, 0, 0, 0, 0), (1, 2, 2, 3, 3, 1, 2, 2, 2, 2),
    ]

    func geometry(_ s: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int), o: Int = 3) -> ConvGeometry {
        let (c, h, w, kh, kw, sh, t, l, b, r) = s
        let oh = (h + t + b - kh) / sh + 1, ow = w + l + r - kw + 1
        return ConvGeometry(input: [c, h, w], output: [o, oh, ow],
                            window: Window2D(kernelH: kh, kernelW: kw, strideH: sh, strideW: 1,
                                             padding: SidePadding(top: t, left: l, bottom: b, right: r)))
    }

    func bits(_ v: [Float]) -> [UInt32] { v.map(\.bitPattern) }

    func testUnfoldEqualsReferenceBitForBit() {
        var rng = SeededGenerator(seed: 41)
        for s in Self.shapes {
            let g = geometry(s)
            let x = (0..<(g.c * g.h * g.w)).map { _ in rng.uniform(-1, 1) }
            // Scratch starts as NaN so that an element the kernel forgets to write shows.
            var fast = [Float](repeating: .nan, count: g.kdim * g.positions), ref = fast
            x.withUnsafeBufferPointer { xp in
                fast.withUnsafeMutableBufferPointer { ConvUnfold.im2col(g, xp.baseAddress!, $0.baseAddress!) }
                ref.withUnsafeMutableBufferPointer { ConvKernels.im2colReference(g, xp.baseAddress!, $0.baseAddress!) }
            }
            XCTAssertEqual(bits(fast), bits(ref), "\(s)")
            XCTAssertFalse(fast.contains { $0.isNaN }, "\(s)")
        }
    }

    func testFoldEqualsReferenceBitForBit() {
        var rng = SeededGenerator(seed: 42)
        for s in Self.shapes {
            let g = geometry(s)
            let col = (0..<(g.kdim * g.positions)).map { _ in rng.uniform(-1, 1) }
            // A non-zero start: the fold accumulates, in the reference's order per element.
            let start = (0..<(g.c * g.h * g.w)).map { _ in rng.uniform(-1, 1) }
            var fast = start, ref = start
            col.withUnsafeBufferPointer { cp in
                fast.withUnsafeMutableBufferPointer { ConvUnfold.col2im(g, cp.baseAddress!, $0.baseAddress!) }
                ref.withUnsafeMutableBufferPointer { ConvKernels.col2imReference(g, cp.baseAddress!, $0.baseAddress!) }
            }
            XCTAssertEqual(bits(fast), bits(ref), "\(s)")
            XCTAssertNotEqual(bits(fast), bits(start), "\(s)")
        }
    }

    /// The fold is the adjoint of the unfold: ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ (in Double, so the
    /// comparison is independent of both kernels' summation order).
    func testFoldIsTheAdjointOfTheUnfold() {
        var rng = SeededGenerator(seed: 43)
        for s in Self.shapes {
            let g = geometry(s)
            let x = (0..<(g.c * g.h * g.w)).map { _ in rng.uniform(-1, 1) }
            let c = (0..<(g.kdim * g.positions)).map { _ in rng.uniform(-1, 1) }
            var col = [Float](repeating: 0, count: c.count), dx = [Float](repeating: 0, count: x.count)
            x.withUnsafeBufferPointer { xp in col.withUnsafeMutableBufferPointer { ConvUnfold.im2col(g, xp.baseAddress!, $0.baseAddress!) } }
            c.withUnsafeBufferPointer { cp in dx.withUnsafeMutableBufferPointer { ConvUnfold.col2im(g, cp.baseAddress!, $0.baseAddress!) } }
            let lhs = zip(col, c).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let rhs = zip(x, dx).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(lhs, rhs, accuracy: 1e-4 * max(1, abs(lhs)), "\(s)")
        }
    }

    /// 2×2 max pooling by selects against the general loop, on data with ties (small
    /// integers), −0 and +0, NaN and −∞: the same maxima and the same first-maximum indices.
    func testMaxPool2x2EqualsGeneralLoop() {
        var rng = SeededGenerator(seed: 44)
        let specials: [Float] = [0, -0.0, .nan, -.infinity, 1, 1, -1]
        for (c, h, w) in [(6, 28, 28), (16, 10, 10), (3, 5, 7), (1, 2, 2)] {
            let x = (0..<(c * h * w)).map { _ in
                rng.nextFloat() < 0.3 ? specials[Int(rng.next() % UInt64(specials.count))] : Float(Int(rng.next() % 4))
            }
            let oh = h / 2, ow = w / 2, n = c * oh * ow
            var (y1, y2) = ([Float](repeating: 7, count: n), [Float](repeating: 7, count: n))
            var (a1, a2) = ([Int32](repeating: -1, count: n), [Int32](repeating: -1, count: n))
            x.withUnsafeBufferPointer { xp in
                PoolKernels.maxForward2x2(c: c, h: h, w: w, oh: oh, ow: ow, x: xp.baseAddress!, y: &y1, arg: &a1)
                PoolKernels.maxForwardGeneral(c: c, h: h, w: w, oh: oh, ow: ow, k: 2, s: 2, x: xp.baseAddress!, y: &y2, arg: &a2)
            }
            XCTAssertEqual(bits(y1), bits(y2))
            XCTAssertEqual(a1, a2)
        }
    }

    /// ReLU's backward pass by select: hand-checked cases, including y = −0 (gradient 0) and a
    /// NaN y (dy passes, as `y <= 0` is false).
    func testReluBackwardSelect() {
        let y: [Float] = [1, 0, -0.0, -2, .nan, 3]
        let dy: [Float] = [5, 6, 7, 8, 9, -0.5]
        XCTAssertEqual(bits(ElementwiseLayer.reluBackward(y: y, dy: dy)), bits([5, 0, 0, 0, 9, -0.5]))
        XCTAssertEqual(bits(ElementwiseLayer.reluForward([-1, 2, -0.0, 0])), bits([0, 2, 0, 0]))
    }

    /// Several parallel blocks and a ragged tail: every element as the scalar rule says, at
    /// one and at three threads.
    func testReluPassesOverManyBlocks() {
        var rng = SeededGenerator(seed: 45)
        let n = 2 * ElementwiseLayer.reluBlock + 7
        let y = (0..<n).map { _ in rng.uniform(-1, 1) }, dy = (0..<n).map { _ in rng.uniform(-1, 1) }
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        for t in [1, 3] {
            Parallel.threads = t
            XCTAssertEqual(bits(ElementwiseLayer.reluBackward(y: y, dy: dy)), bits(zip(y, dy).map { $0 <= 0 ? 0 : $1 }))
            XCTAssertEqual(bits(ElementwiseLayer.reluForward(y)), bits(y.map { max($0, 0) }))
        }
    }
}
