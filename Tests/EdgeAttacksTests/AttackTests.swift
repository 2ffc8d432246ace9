import XCTest
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import EdgeTrain
@testable import EdgeAttacks

final class AttackTests: XCTestCase {
    static func bars(_ n: Int, seed: UInt64) -> LabeledImages {
        var g = SeededGenerator(seed: seed)
        var px = [UInt8](repeating: 0, count: n * 144), labels: [Int] = []
        for i in 0..<n {
            let label = i % 2, pos = 2 + g.nextInt(below: 8)
            for y in 0..<12 { for x in 0..<12 {
                let on = label == 0 ? (x == pos || x == pos + 1) : (y == pos || y == pos + 1)
                px[i * 144 + y * 12 + x] = on ? UInt8(150 + g.nextInt(below: 60)) : UInt8(40 + g.nextInt(below: 60))
            } }
            labels.append(label)
        }
        return LabeledImages(channels: 1, height: 12, width: 12, pixels: px, labels: labels, classNames: ["v", "h"], sources: (0..<n).map { "\($0)" })
    }

    static let trained: (Model, LabeledImages) = {
        let set = bars(256, seed: 1)
        var c = TrainingConfig()
        c.epochs = 3; c.batch = 32; c.quiet = true
        return (try! Trainer.train(c, train: set, test: set), set)
    }()

    func accuracy(_ net: FloatNetwork, _ x: [Float], _ labels: [Int]) -> Double {
        let p = SoftmaxCrossEntropy.argmax(net.forward(x, batch: labels.count).logits, classes: net.classes)
        return Double(zip(p, labels).filter { $0 == $1 }.count) / Double(labels.count)
    }

    func testFGSMMovesEveryPixelByEpsOrToTheBound() throws {
        let (m, set) = Self.trained
        let net = try FloatNetwork(m)
        let idx = Array(0..<64), x = set.floatBatch(idx).data, labels = idx.map { set.labels[$0] }
        let adv = GradientAttacks.fgsm(net, x: x, labels: labels, eps: 0.05)
        for k in x.indices {
            let d = abs(adv[k] - x[k])
            XCTAssert(abs(d - 0.05) < 1e-6 || adv[k] == 0 || adv[k] == 1 || d == 0, "pixel \(k): \(x[k]) → \(adv[k])")
        }
        XCTAssertLessThanOrEqual(accuracy(net, adv, labels), accuracy(net, x, labels))
    }

    func testPGDIsStrongerThanFGSMAndStaysInTheBall() throws {
        let (m, set) = Self.trained
        let net = try FloatNetwork(m)
        let idx = Array(0..<128), x = set.floatBatch(idx).data, labels = idx.map { set.labels[$0] }
        var g = SeededGenerator(seed: 2)
        for norm in AttackNorm.allCases {
            let eps: Float = norm == .linf ? 0.15 : 1.5
            let adv = GradientAttacks.pgd(net, x: x, labels: labels, eps: eps, stepSize: norm == .linf ? 0.03 : 0.3, steps: 20, norm: norm, restarts: 2, rng: &g)
            for n in 0..<128 {
                let d = (0..<144).map { adv[n * 144 + $0] - x[n * 144 + $0] }
                let size = norm == .linf ? d.map(abs).max()! : d.map { $0 * $0 }.reduce(0, +).squareRoot()
                XCTAssertLessThanOrEqual(size, eps * 1.0001)
            }
            if norm == .linf {
                XCTAssertLessThanOrEqual(accuracy(net, adv, labels), accuracy(net, GradientAttacks.fgsm(net, x: x, labels: labels, eps: eps), labels))
            }
            XCTAssertLessThan(accuracy(net, adv, labels), accuracy(net, x, labels))
        }
    }

    func testSnappingStaysInsideTheBudget() {
        let clean: [UInt8] = [0, 10, 128, 255, 200]
        let adv: [Float] = [0.05, 10.0 / 255 - 0.0999, 128.0 / 255 + 0.0999, 1, 200.0 / 255 + 0.5 / 255]
        let s = PixelGrid.snap(adversarial: adv, clean: clean)
        XCTAssertEqual(s, [12, 0, 153, 255, 200])  // 0.05·255 = 12.75 → 12; −25.47 → −25 (clamped at 0); +25.47 → +25
    }

    func testSnappedPerturbationNormsPerImage() {
        // Image 1: δ = (+3, −4)/255 → L∞ 4/255, L2 5/255; image 2: unchanged → 0, 0.
        let n = PixelGrid.norms(snapped: [13, 6, 7, 7], clean: [10, 10, 7, 7], imageSize: 2)
        XCTAssertEqual(n.linf, [4.0 / 255, 0])
        XCTAssertEqual(n.l2[0], 5.0 / 255, accuracy: 1e-15)
        XCTAssertEqual(n.l2[1], 0)
    }

    func testSquareAttackOnlyCountsSnappedMisclassifications() throws {
        let (m, set) = Self.trained
        let q = try Quantizer.quantize(m, calibration: set)
        let int8 = try IntegerNetwork(q)
        let idx = Array(0..<40)
        let out = SquareAttack(eps: 0.3, queries: 300, side: 12).run(int8, set: set, indices: idx, seed: 1)
        let adv = LabeledImages(channels: 1, height: 12, width: 12, pixels: out.pixels, labels: idx.map { set.labels[$0] }, classNames: set.classNames,
                                sources: idx.map(String.init))
        let logits = int8.run(adv, Array(0..<40)).logits
        for i in 0..<40 {
            // Re-check with the engine: fooled ⇔ argmax (first index on ties) ≠ label.
            let pred = logits[2 * i + 1] > logits[2 * i] ? 1 : 0
            XCTAssertEqual(out.fooled[i], pred != set.labels[i], "image \(i)")
            XCTAssertLessThanOrEqual(out.queriesUsed[i], 300)
            for t in 0..<144 { XCTAssertLessThanOrEqual(abs(Int(out.pixels[i * 144 + t]) - Int(set.pixels[i * 144 + t])), 76) }
        }
        XCTAssertGreaterThan(out.fooled.filter { $0 }.count, 0)
        // Batching does not change results: image 7 alone gives the same outcome.
        let alone = SquareAttack(eps: 0.3, queries: 300, side: 12).run(int8, set: set, indices: [7], seed: 1)
        XCTAssertEqual(alone.pixels, Array(out.pixels[(7 * 144)..<(8 * 144)]))
    }
}

extension AttackTests {
    /// With one class there is no other logit to beat: every image stays correct, with no
    /// overflow in the margin (the unchecked build reported 11% robust accuracy here).
    func testSquareAttackWithOneClass() throws {
        var (m, set) = Self.trained
        let last = m.graph.nodes.count - 1
        guard case .dense = m.graph.nodes[last].op else { return XCTFail("expected a dense head") }
        m.graph.nodes[last].op = .dense(outFeatures: 1)
        let inF = m.parameters[last][0].count / 2
        m.parameters[last][0] = Tensor(shape: [1, inF], data: Array(m.parameters[last][0].data[0..<inF]))
        m.parameters[last][1] = Tensor(shape: [1], data: [m.parameters[last][1].data[0]])
        m.metadata.classNames = ["v"]
        try m.validate()
        let one = LabeledImages(channels: 1, height: 12, width: 12, pixels: set.pixels, labels: [Int](repeating: 0, count: set.count),
                                classNames: ["v"], sources: set.sources)
        let int8 = try IntegerNetwork(try Quantizer.quantize(m, calibration: one))
        let out = SquareAttack(eps: 0.3, queries: 50, side: 12).run(int8, set: one, indices: Array(0..<20), seed: 1)
        XCTAssertEqual(out.fooled, [Bool](repeating: false, count: 20))
    }
}

final class AttackPropertyTests: XCTestCase {
    func testZeroEpsilonChangesNothing() throws {
        let (m, set) = AttackTests.trained
        let net = try FloatNetwork(m)
        let idx = Array(0..<64), x = set.floatBatch(idx).data, labels = idx.map { set.labels[$0] }
        var g = SeededGenerator(seed: 1)
        XCTAssertEqual(GradientAttacks.fgsm(net, x: x, labels: labels, eps: 0), x)
        XCTAssertEqual(GradientAttacks.pgd(net, x: x, labels: labels, eps: 0, stepSize: 0.01, steps: 5, rng: &g), x)
        XCTAssertEqual(PixelGrid.snap(adversarial: x, clean: Array(set.pixels[0..<(64 * 144)])), Array(set.pixels[0..<(64 * 144)]))
    }

    func testCWMarginWithAllNegativeLogits() {
        // torchattacks #184: with one-hot masking, max over "other" logits became 0 when all
        // were negative. The true margin here is −1 − (−3) = 2.
        let (f, g) = CarliniWagnerL2.margin([-5, -1, -3][...], label: 1, target: nil, kappa: 0)
        XCTAssertEqual(f, 2)
        XCTAssertEqual(g, [0, 1, -1])
        let (ft, gt) = CarliniWagnerL2.margin([-5, -1, -3][...], label: 1, target: 0, kappa: 0)
        XCTAssertEqual(ft, 4)     // max_{i≠0} Z_i − Z_0 = −1 − (−5)
        XCTAssertEqual(gt, [-1, 1, 0])
    }

    func testCWFindsSmallL2Examples() throws {
        let (m, set) = AttackTests.trained
        let net = try FloatNetwork(m)
        let idx = Array(0..<32), x = set.floatBatch(idx).data, labels = idx.map { set.labels[$0] }
        let adv = CarliniWagnerL2(maxSteps: 60, searchSteps: 4, initialConst: 0.1, learningRate: 0.05).perturb(net, x: x, labels: labels)
        let pred = SoftmaxCrossEntropy.argmax(net.forward(adv, batch: 32).logits, classes: 2)
        let clean = SoftmaxCrossEntropy.argmax(net.forward(x, batch: 32).logits, classes: 2)
        var found = 0
        for n in 0..<32 {
            XCTAssert(adv[(n * 144)..<((n + 1) * 144)].allSatisfy { $0 >= 0 && $0 <= 1 })
            if pred[n] != labels[n] && clean[n] == labels[n] { found += 1 }
            if clean[n] == labels[n] && pred[n] == labels[n] { XCTAssertEqual(Array(adv[(n * 144)..<((n + 1) * 144)]), Array(x[(n * 144)..<((n + 1) * 144)]), "images the attack did not break stay clean") }
        }
        XCTAssertGreaterThan(found, 16)
    }

    func testTargetedFGSMMovesTowardsTheTarget() throws {
        let (m, set) = AttackTests.trained
        let net = try FloatNetwork(m)
        let idx = Array(0..<64), x = set.floatBatch(idx).data, labels = idx.map { set.labels[$0] }
        let targets = labels.map { 1 - $0 }
        let adv = GradientAttacks.fgsm(net, x: x, labels: labels, eps: 0.2, targets: targets)
        func targetProb(_ v: [Float]) -> Double {
            let z = net.forward(v, batch: 64).logits
            return (0..<64).map { SoftmaxCrossEntropy.probabilities(z[($0 * 2)..<($0 * 2 + 2)])[targets[$0]] }.reduce(0, +)
        }
        XCTAssertGreaterThan(targetProb(adv), targetProb(x))
    }

    func testStraightThroughNetworkTracksTheInt8Net() throws {
        let (m, set) = AttackTests.trained
        let q = try Quantizer.quantize(m, calibration: set)
        let ste = try StraightThrough.network(m, q)
        let int8 = try IntegerNetwork(q)
        let idx = Array(0..<200)
        let sp = SoftmaxCrossEntropy.argmax(ste.forward(set.floatBatch(idx).data, batch: 200).logits, classes: 2)
        let ql = int8.dequantizedLogits(int8.run(set, idx).logits)
        let qp = SoftmaxCrossEntropy.argmax(ql, classes: 2)
        XCTAssertGreaterThanOrEqual(Double(zip(sp, qp).filter { $0 == $1 }.count) / 200, 0.97)
        // Gradients exist (straight through the rounding).
        let pass = ste.forward(set.floatBatch([0, 1]).data, batch: 2)
        let g = ste.backward(pass, dLogits: [1, -1, 1, -1], parameters: false, input: true).input!
        XCTAssert(g.contains { $0 != 0 })
    }

    func testSameSeedSameExamplesAtAnyThreadCount() throws {
        let (m, set) = AttackTests.trained
        let net = try FloatNetwork(m)
        let idx = Array(0..<48), x = set.floatBatch(idx).data, labels = idx.map { set.labels[$0] }
        var outs: [[Float]] = []
        for t in [1, 2] {
            Parallel.threads = t
            var g = SeededGenerator(seed: 9)
            outs.append(GradientAttacks.pgd(net, x: x, labels: labels, eps: 0.1, stepSize: 0.02, steps: 5, restarts: 2, rng: &g))
        }
        XCTAssertEqual(outs[0], outs[1])
    }
}

/// Properties on the shipped models and the real test set (skipped when the dataset is absent).
final class ShippedModelAttackTests: XCTestCase {
    func load(_ name: String) throws -> FloatNetwork {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try FloatNetwork(try ModelFile.read(root.appendingPathComponent("models/\(name)").path))
    }

    func testPGDBeatsFGSMAndAdversarialTrainingHelps() throws {
        guard FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory) else { throw XCTSkip("dataset-fashion-mnist is not installed") }
        let test = try FashionMNIST.load(.test)
        let idx = (0..<200).map { $0 * 50 }
        let x = test.floatBatch(idx).data, labels = idx.map { test.labels[$0] }
        func accuracy(_ net: FloatNetwork, _ v: [Float]) -> Double {
            Double(zip(SoftmaxCrossEntropy.argmax(net.forward(v, batch: 200).logits, classes: 10), labels).filter { $0 == $1 }.count) / 200
        }
        let normal = try load("fashion-lenet5.bin"), at = try load("fashion-lenet5-at.bin")
        var g = SeededGenerator(seed: 1)
        let fgsm = accuracy(normal, GradientAttacks.fgsm(normal, x: x, labels: labels, eps: 0.05))
        let pgd = accuracy(normal, GradientAttacks.pgd(normal, x: x, labels: labels, eps: 0.05, stepSize: 0.0125, steps: 10, rng: &g))
        XCTAssertLessThanOrEqual(pgd, fgsm, "PGD must succeed at least as often as FGSM")
        let normal01 = accuracy(normal, GradientAttacks.pgd(normal, x: x, labels: labels, eps: 0.1, stepSize: 0.025, steps: 10, rng: &g))
        let at01 = accuracy(at, GradientAttacks.pgd(at, x: x, labels: labels, eps: 0.1, stepSize: 0.025, steps: 10, rng: &g))
        XCTAssertGreaterThan(at01, normal01 + 0.3, "the adversarially trained model must be clearly more robust at ε = 0.1 (\(at01) vs \(normal01))")
    }
}
