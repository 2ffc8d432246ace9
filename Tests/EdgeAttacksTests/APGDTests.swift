import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import XCTest
@testable import EdgeAttacks

/// APGD (Croce & Hein 2020): the checkpoint schedule of the paper, the DLR gradient against
/// finite differences, the ε-ball, determinism, and strength against PGD at equal steps.
final class APGDTests: XCTestCase {
    func testCheckpointsAreThePapers() {
        // p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06), w_j = ⌈p_j·100⌉.
        XCTAssertEqual(APGD.checkpoints(100), [22, 41, 57, 70, 80, 87, 93, 99])
        XCTAssertEqual(APGD.checkpoints(10), [2, 3, 4, 5, 6, 7, 8, 9, 10])
        XCTAssertEqual(APGD.checkpoints(1), [1])
    }

    func testLossGradientsMatchFiniteDifferences() {
        var g = SeededGenerator(seed: 5)
        let k = 6
        let z = (0..<(3 * k)).map { _ in Float(g.nextGaussian()) * 2 }
        let labels = [0, 3, 5]
        for loss in APGD.Loss.allCases {
            let (v, grad) = APGD.lossAndLogitGradient(loss, logits: z, labels: labels, classes: k)
            for n in 0..<3 {
                for j in 0..<k {
                    var zp = z, zm = z
                    let h: Float = 1e-3
                    zp[n * k + j] += h; zm[n * k + j] -= h
                    let fp = APGD.lossAndLogitGradient(loss, logits: zp, labels: labels, classes: k).0[n]
                    let fm = APGD.lossAndLogitGradient(loss, logits: zm, labels: labels, classes: k).0[n]
                    XCTAssertEqual(Double(grad[n * k + j]), (fp - fm) / Double(2 * h), accuracy: 2e-3, "\(loss) image \(n) logit \(j)")
                }
            }
            XCTAssertEqual(v.count, 3)
        }
        // DLR is invariant to shifting and (positive) scaling of the logits.
        let (a, _) = APGD.lossAndLogitGradient(.dlr, logits: z, labels: labels, classes: k)
        let (b, _) = APGD.lossAndLogitGradient(.dlr, logits: z.map { 3 * $0 + 7 }, labels: labels, classes: k)
        for n in 0..<3 { XCTAssertEqual(a[n], b[n], accuracy: 1e-5) }
    }

    func testStaysInTheBallIsDeterministicAndIsAtLeastAsStrongAsPGD() throws {
        let (m, set) = AttackTests.trained
        let net = try FloatNetwork(m)
        let idx = Array(0..<100)
        let x = set.floatBatch(idx).data
        let labels = idx.map { set.labels[$0] }
        func robust(_ adv: [Float]) -> Int {
            let p = SoftmaxCrossEntropy.argmax(net.forward(adv, batch: idx.count).logits, classes: net.classes)
            return zip(p, labels).filter { $0 == $1 }.count
        }
        let eps: Float = 0.15
        var r1 = SeededGenerator(seed: 9), r2 = SeededGenerator(seed: 9), r3 = SeededGenerator(seed: 9)
        let a = APGD(eps: eps, steps: 20).perturb(net, x: x, labels: labels, rng: &r1)
        let again = APGD(eps: eps, steps: 20).perturb(net, x: x, labels: labels, rng: &r2)
        XCTAssertEqual(a, again)
        for i in x.indices {
            XCTAssertLessThanOrEqual(abs(a[i] - x[i]), eps + 1e-6)
            XCTAssert(a[i] >= 0 && a[i] <= 1)
        }
        let pgd = GradientAttacks.pgd(net, x: x, labels: labels, eps: eps, stepSize: 2.5 * eps / 20, steps: 20, rng: &r3)
        let clean = robust(x), rp = robust(pgd), ra = robust(a)
        XCTAssertLessThan(ra, clean, "APGD fooled nothing")
        XCTAssertLessThanOrEqual(ra, rp, "APGD-CE (\(ra)) should be at least as strong as PGD-20 (\(rp)) at the same budget")
    }
}
