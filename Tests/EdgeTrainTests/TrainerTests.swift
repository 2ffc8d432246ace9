import XCTest
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
@testable import EdgeTrain

final class TrainerTests: XCTestCase {
    /// Two classes of 12×12 images: a bright bar that is vertical (class 0) or horizontal
    /// (class 1) at a random position, on noise. Learnable, but not by a constant.
    static func bars(_ n: Int, seed: UInt64) -> LabeledImages {
        var g = SeededGenerator(seed: seed)
        var px = [UInt8](repeating: 0, count: n * 144), labels: [Int] = []
        for i in 0..<n {
            let label = i % 2
            let pos = 2 + g.nextInt(below: 8)
            for y in 0..<12 { for x in 0..<12 {
                let on = label == 0 ? (x == pos || x == pos + 1) : (y == pos || y == pos + 1)
                px[i * 144 + y * 12 + x] = on ? UInt8(180 + g.nextInt(below: 70)) : UInt8(g.nextInt(below: 90))
            } }
            labels.append(label)
        }
        return LabeledImages(channels: 1, height: 12, width: 12, pixels: px, labels: labels, classNames: ["vertical", "horizontal"],
                             sources: (0..<n).map { "bars#\($0)" })
    }

    func config(_ arch: Architecture = .lenet5) -> TrainingConfig {
        var c = TrainingConfig()
        c.arch = arch
        c.epochs = 2
        c.batch = 32
        c.seed = 5
        c.quiet = true
        c.datasetName = "bars"
        return c
    }

    func testLearnsASimpleTask() throws {
        let train = Self.bars(512, seed: 1), test = Self.bars(200, seed: 2)
        var c = config()
        c.epochs = 4
        let m = try Trainer.train(c, train: train, test: test)
        XCTAssertGreaterThan(m.metadata.recipe!.testAccuracy, 0.9)
        let acc = Evaluator.accuracy(try FloatNetwork(m), test)
        XCTAssertEqual(acc, m.metadata.recipe!.testAccuracy)
    }

    func testSameSeedGivesByteIdenticalModelAtAnyThreadCount() throws {
        let train = Self.bars(160, seed: 1), test = Self.bars(40, seed: 2)
        for arch in Architecture.allCases {
            var files: [[UInt8]] = []
            for t in [1, 2, 2] {
                Parallel.threads = t
                files.append(try ModelFile.encode(try Trainer.train(config(arch), train: train, test: test)))
            }
            XCTAssertEqual(files[0], files[1], "\(arch): 1 vs 2 threads")
            XCTAssertEqual(files[1], files[2], "\(arch): repeated run")
            var other = config(arch)
            other.seed = 6
            XCTAssertNotEqual(try ModelFile.encode(try Trainer.train(other, train: train, test: test)), files[0])
        }
    }

    func testPGDStaysInTheBallAndRaisesTheLoss() throws {
        let train = Self.bars(256, seed: 1)
        let m = try Trainer.train(config(), train: train, test: train)
        let net = try FloatNetwork(m)
        let idx = Array(0..<64)
        let x = train.floatBatch(idx).data, labels = idx.map { train.labels[$0] }
        var rng = SeededGenerator(seed: 3)
        let pgd = PGDLinf(eps: 0.1, stepSize: 0.02, steps: 10)
        let adv = pgd.perturb(net, x: x, labels: labels, rng: &rng)
        for k in x.indices {
            XCTAssertLessThanOrEqual(abs(adv[k] - x[k]), 0.1 + 1e-6)
            XCTAssert(adv[k] >= 0 && adv[k] <= 1)
        }
        let clean = SoftmaxCrossEntropy.lossAndGradient(logits: net.forward(x, batch: 64).logits, labels: labels, classes: 2).loss
        let attacked = SoftmaxCrossEntropy.lossAndGradient(logits: net.forward(adv, batch: 64).logits, labels: labels, classes: 2).loss
        XCTAssertGreaterThan(attacked, clean)
    }

    func testAdversarialTrainingRecordsItsRecipe() throws {
        let train = Self.bars(64, seed: 1)
        var c = config()
        c.epochs = 1
        c.adversarial = PGDLinf(eps: 0.1, stepSize: 0.02, steps: 2)
        let r = try Trainer.train(c, train: train, test: train).metadata.recipe!
        XCTAssertEqual(r.adversarial, "pgd")
        XCTAssertEqual(r.steps, 2)
        XCTAssertEqual(r.eps, 0.1, accuracy: 1e-7)
    }

    func testOptimizersStepDownhill() throws {
        // One parameter, loss ½w²: both rules must move w towards 0.
        let g = Graph(inputShape: [1, 1, 1], nodes: [Node(.input, [], name: "in"), Node(.flatten, [0], name: "f"), Node(.dense(outFeatures: 1), [1], name: "fc")])
        var model = Model(graph: g, parameters: [[], [], [Tensor(shape: [1, 1], data: [2]), Tensor(shape: [1], data: [0])]],
                          metadata: ModelMetadata(classNames: ["x"]))
        for kind in OptimizerKind.allCases {
            var opt = Optimizer(kind, parameters: model.parameters, weightDecay: 0)
            let w0 = model.parameters[2][0].data[0]
            opt.update(&model, gradients: [[], [], [[w0], [0]]], lr: 0.1)
            XCTAssertLessThan(abs(model.parameters[2][0].data[0]), abs(w0), "\(kind)")
        }
    }
}
