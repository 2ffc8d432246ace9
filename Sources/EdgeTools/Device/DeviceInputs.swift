import EdgeAttacks
import EdgeAudit
import EdgeCore
import EdgeData
import EdgeFloat

/// The input sets of a device bundle, made exactly as `AuditRunner` makes them (same
/// batches, seeds and snapping), and the byte layout the board runner reads.
public enum DeviceInputs {
    /// Images per batch, as the audit's (attack streams are seeded per batch).
    public static let batch = 100

    /// Planar CHW uint8 (LabeledImages) → HWC, image after image (edge-run's IMAGES.u8).
    public static func hwc(_ set: LabeledImages) -> [UInt8] {
        let (c, hw) = (set.channels, set.height * set.width)
        if c == 1 { return set.pixels }
        var out = [UInt8](repeating: 0, count: set.pixels.count)
        for i in 0..<set.count {
            let base = i * set.imageSize
            for ch in 0..<c { for p in 0..<hw { out[base + p * c + ch] = set.pixels[base + ch * hw + p] } }
        }
        return out
    }

    /// The audit's `int8.fgsm` inputs: FGSM on the float net over every image, snapped.
    public static func fgsm(_ net: FloatNetwork, _ set: LabeledImages, eps: Double) -> LabeledImages {
        var px: [UInt8] = []
        for chunk in Parallel.chunks(set.count, size: batch) {
            let idx = Array(chunk)
            let adv = GradientAttacks.fgsm(net, x: set.floatBatch(idx).data, labels: idx.map { set.labels[$0] }, eps: Float(eps))
            px += PixelGrid.snap(adversarial: adv, clean: clean(set, idx))
        }
        return set.withPixels(px, labels: set.labels)
    }

    /// The audit's `int8.pgd` inputs: PGD on `pgdImages` images spread over the set, with
    /// the audit's per-(ε, batch) random streams, snapped.
    public static func pgd(_ net: FloatNetwork, _ set: LabeledImages, settings s: AuditSettings, epsIndex ei: Int) -> LabeledImages {
        let m = min(s.pgdImages ?? set.count, set.count)
        let spread = (0..<m).map { $0 * set.count / max(m, 1) }
        let e = Float(s.eps[ei])
        var px: [UInt8] = [], labels: [Int] = []
        for (bi, chunk) in Parallel.chunks(m, size: batch).enumerated() {
            let idx = Array(spread[chunk])
            var rng = SeededGenerator(seed: s.seed, stream: 0x5047_44, UInt64(ei), UInt64(bi))
            let adv = GradientAttacks.pgd(net, x: set.floatBatch(idx).data, labels: idx.map { set.labels[$0] }, eps: e,
                                          stepSize: 2.5 * e / Float(max(s.pgdSteps, 1)), steps: s.pgdSteps, restarts: s.pgdRestarts, rng: &rng)
            px += PixelGrid.snap(adversarial: adv, clean: clean(set, idx))
            labels += idx.map { set.labels[$0] }
        }
        return set.withPixels(px, labels: labels)
    }

    private static func clean(_ set: LabeledImages, _ idx: [Int]) -> [UInt8] {
        var out: [UInt8] = []
        for i in idx { out += set.pixels[(i * set.imageSize)..<((i + 1) * set.imageSize)] }
        return out
    }

    /// run-on-board.sh, written into every bundle.
    public static let boardScript = """
        #!/bin/sh
        # Runs edge-run on every input set of this bundle and times the clean set:
        #   sh run-on-board.sh [path/to/edge-run]     (default ./edge-run)
        # then copy the board/ folder back and run: edge-audit device verify BUNDLE
        set -e
        cd "$(dirname "$0")"
        R=${1:-./edge-run}
        mkdir -p board
        for f in sets/*.u8; do
          n=$(basename "$f" .u8)
          "$R" model.bin "$f" > "board/$n.i8"
        done
        "$R" --bench model.bin sets/clean.u8 > board/bench.txt
        cat board/bench.txt

        """
}
