// The integer executor on raw pixel buffers: a batch of uint8 images, planar or
// interleaved, read in place. Everything else (LabeledImages, attacks' batches) wraps this.

import CEdgeKernels
import EdgeCore

/// How the pixels of one image are ordered in a buffer of consecutive images.
public enum PixelLayout: Sendable {
    /// Planar, [N][C][H][W]: `LabeledImages`' layout and the float net's.
    case chw
    /// Interleaved, [N][H][W][C]: decoded image files, TFLite's and the int8 engine's layout.
    case hwc
}

extension IntegerNetwork {
    /// Pixels per image the input node expects (C·H·W).
    public var imageSize: Int { sizes[0] }

    /// Runs every image of `pixels`, a batch of `pixels.count / imageSize` images in `layout`;
    /// returns int8 logits [N, classes] and, when `keep` is set, every node's int8 output per
    /// image. Throws `EdgeError.badData` when the buffer is not a whole number of images.
    public func run(pixels: UnsafeBufferPointer<UInt8>, layout: PixelLayout = .chw,
                    keep: Bool = false) throws -> (logits: [Int8], outputs: [[[Int8]]]) {
        let n = try imageCount(pixels.count)
        return runImages(pixels, starts: (0..<n).map { $0 * imageSize }, layout: layout, keep: keep)
    }

    /// `run(pixels:layout:keep:)` on an array.
    public func run(pixels: [UInt8], layout: PixelLayout = .chw, keep: Bool = false) throws -> (logits: [Int8], outputs: [[[Int8]]]) {
        let n = try imageCount(pixels.count)
        return pixels.withUnsafeBufferPointer { runImages($0, starts: (0..<n).map { $0 * imageSize }, layout: layout, keep: keep) }
    }

    /// Predicted class of each image in `pixels`: the argmax of the int8 logits, the first index on ties.
    public func predict(pixels: [UInt8], layout: PixelLayout = .chw) throws -> [Int] {
        argmax(try run(pixels: pixels, layout: layout).logits)
    }

    func imageCount(_ count: Int) throws -> Int {
        guard imageSize > 0, count % imageSize == 0 else {
            throw EdgeError.badData(path: "<pixels>", reason: "\(count) pixels are not a whole number of \(imageSize)-pixel images")
        }
        return count / imageSize
    }

    /// The first index of the largest logit per image.
    func argmax(_ q: [Int8]) -> [Int] {
        let k = classes
        return (0..<(q.count / max(k, 1))).map { i in
            var best = 0
            for j in 1..<k where q[i * k + j] > q[i * k + best] { best = j }
            return best
        }
    }

    /// Images starting at `starts` (validated by the callers to lie inside `px`), in fixed
    /// chunks of 16 so the result does not depend on the thread count. A call of one chunk
    /// (batch ≤ 16) cannot spread images over threads; it splits each large layer over
    /// the network's team instead (identical results: every part is the same arithmetic).
    func runImages(_ px: UnsafeBufferPointer<UInt8>, starts: [Int], layout: PixelLayout, keep: Bool) -> (logits: [Int8], outputs: [[[Int8]]]) {
        let chunks = Parallel.chunks(starts.count, size: Self.chunkImages)
        if chunks.count == 1 && Parallel.threads > 1 {
            return team.with(threads: Parallel.threads) { runChunks(px, starts: starts, chunks, layout: layout, keep: keep, team: $0) }
        }
        return runChunks(px, starts: starts, chunks, layout: layout, keep: keep, team: nil)
    }

    private func runChunks(_ px: UnsafeBufferPointer<UInt8>, starts: [Int], _ chunks: [Range<Int>], layout: PixelLayout, keep: Bool,
                           team: OpaquePointer?) -> (logits: [Int8], outputs: [[[Int8]]]) {
        let k = classes
        var logits = [Int8](repeating: 0, count: starts.count * k)
        var kept = [[[Int8]]](repeating: [], count: keep ? starts.count : 0)
        guard let base = px.baseAddress else { return (logits, kept) }
        logits.withUnsafeMutableBufferPointer { lp in
            kept.withUnsafeMutableBufferPointer { kp in
                let (lp, kp) = (lp, kp)
                Parallel.forEach(team == nil ? chunks.count : 1) { c in
                    let ws = spare.take(sizes: sizes, scratch: scratchSize, tail: tailStart, links: steps)
                    defer { spare.give(ws) }
                    // A chunk plan computes all chunkImages rows: worth it from a few images on.
                    if !keep, let t = tailStart, chunks[c].count >= 4 {
                        let rows = self.runChunk(base, starts: starts, chunks[c], layout, ws, tail: t, team: team)
                        for (j, b) in chunks[c].enumerated() { for q in 0..<k { lp[b * k + q] = rows[j * k + q] } }
                        return
                    }
                    for b in chunks[c] {
                        self.runOne(base + starts[b], layout, ws, team: team, fused: !keep)
                        let last = ws.buffers[ws.buffers.count - 1]
                        for j in 0..<k { lp[b * k + j] = last[j] }
                        if keep {
                            kp[b] = ws.buffers.enumerated().map { Array(UnsafeBufferPointer(start: $0.element, count: self.sizes[$0.offset])) }
                        }
                    }
                }
            }
        }
        return (logits, kept)
    }

    /// uint8 pixels → HWC int8 through the per-channel table (for `.input` the table is
    /// q = pixel − 128: exact, scale 1/255, zero point −128) of an h × w × c input.
    func quantizeInput(_ px: UnsafePointer<UInt8>, _ layout: PixelLayout, h: Int, w: Int, c: Int, _ out: UnsafeMutablePointer<Int8>) {
        inputTable.withUnsafeBufferPointer { lut in
            ea_u8_table(isa, h * w, Int32(c), layout == .chw ? 1 : 0, lut.baseAddress!, px, out)
        }
    }
}
