import XCTest
import EdgeCore
import EdgeFloat
import EdgeModel
@testable import EdgeTrain

#if canImport(Glibc)
import Glibc
#endif

/// CEB and TRADES: the heads' losses against hand-computed values, their gradients against
/// central finite differences (float64 on the heads, float32 through a tiny net, parameters
/// and inputs), the γ schedule, TRADES' inner search, and byte-identical models at 1 and 2
/// threads.
final class ObjectivesTests: XCTestCase {
    func config() -> TrainingConfig {
        var c = TrainingConfig()
        (c.epochs, c.batch, c.seed, c.quiet, c.datasetName) = (2, 32, 5, true, "bars")
        return c
    }

    func randoms(_ n: Int, _ rng: inout SeededGenerator, scale: Double = 1) -> [Double] {
        (0..<n).map { _ in scale * rng.nextGaussian() }
    }

    /// max |analytic − central difference| over every entry of `x`, for `f` at `x`.
    func maxFDError(_ x: [Double], h: Double, analytic: [Double], _ f: ([Double]) -> Double) -> Double {
        var worst = 0.0
        for i in x.indices {
            var p = x, m = x
            p[i] += h; m[i] -= h
            worst = max(worst, abs((f(p) - f(m)) / (2 * h) - analytic[i]))
        }
        return worst
    }

    func testCEBHeadLossByHand() {
        // One image, D = 1, K = 2, W = 0: c(y|z) is uniform, so −log c = log 2; μ = 1, ε = 0.5,
        // m_y = 2: ½(1.5 − 2)² − ½·0.5² = 0.125 − 0.125 = 0. With m_y = 0: ½·2.25 − 0.125 = 1.
        let a = CEBHead.lossAndGradients(mu: [1], noise: [0.5], weight: [0, 0], bias: [0, 0], means: [0, 2], labels: [1], gamma: 0.5)
        XCTAssertEqual(a.loss, log(2), accuracy: 1e-12)
        XCTAssertEqual(a.residual, 0, accuracy: 1e-12)
        let b = CEBHead.lossAndGradients(mu: [1], noise: [0.5], weight: [0, 0], bias: [0, 0], means: [0, 0], labels: [1], gamma: 0.5)
        XCTAssertEqual(b.loss, log(2) + 0.5, accuracy: 1e-12)
        // d/dμ = γ(z − m_y) + Wᵀ(p − e_y) = 0.5·1.5; d/dm_y = −0.75.
        XCTAssertEqual(b.dMu[0], 0.75, accuracy: 1e-12)
        XCTAssertEqual(b.dMeans, [0, -0.75])
    }

    func testCEBHeadGradientsMatchFiniteDifferencesInFloat64() {
        var rng = SeededGenerator(seed: 11)
        let bt = 3, d = 4, k = 3, labels = [2, 0, 2], gamma = 0.3
        let mu = randoms(bt * d, &rng), noise = randoms(bt * d, &rng), w = randoms(k * d, &rng, scale: 0.7)
        let bias = randoms(k, &rng), means = randoms(k * d, &rng)
        let r = CEBHead.lossAndGradients(mu: mu, noise: noise, weight: w, bias: bias, means: means, labels: labels, gamma: gamma)
        func loss(_ mu: [Double], _ w: [Double], _ bias: [Double], _ means: [Double]) -> Double {
            CEBHead.lossAndGradients(mu: mu, noise: noise, weight: w, bias: bias, means: means, labels: labels, gamma: gamma).loss
        }
        let h = 1e-5, tol = 1e-8
        XCTAssertLessThan(maxFDError(mu, h: h, analytic: r.dMu) { loss($0, w, bias, means) }, tol)
        XCTAssertLessThan(maxFDError(w, h: h, analytic: r.dWeight) { loss(mu, $0, bias, means) }, tol)
        XCTAssertLessThan(maxFDError(bias, h: h, analytic: r.dBias) { loss(mu, w, $0, means) }, tol)
        XCTAssertLessThan(maxFDError(means, h: h, analytic: r.dMeans) { loss(mu, w, bias, $0) }, tol)
        // Class 1 has no image in the batch: its mean gets no gradient.
        XCTAssertEqual(Array(r.dMeans[d..<(2 * d)]), [0, 0, 0, 0])
    }

    func testTRADESHeadLossByHand() {
        // Two classes, natural logits (0, 0): p = (½, ½); adversarial (log 3, 0): q = (¾, ¼).
        // KL(p‖q) = ½ log(½/¾) + ½ log(½/¼) = ½ log(4/3); CE on label 0 = log 2.
        let r = TRADES.lossAndGradients(natural: [0, 0], adversarial: [log(3), 0], labels: [0], beta: 2)
        XCTAssertEqual(r.kl, 0.5 * log(4.0 / 3), accuracy: 1e-12)
        XCTAssertEqual(r.loss, log(2) + log(4.0 / 3), accuracy: 1e-12)
        XCTAssertEqual(r.dAdversarial[0], 2 * (0.75 - 0.5), accuracy: 1e-12)
        // x′ = x: the KL term vanishes, and so does its gradient.
        let same = TRADES.lossAndGradients(natural: [1, -2, 0.5], adversarial: [1, -2, 0.5], labels: [2], beta: 6)
        XCTAssertEqual(same.kl, 0, accuracy: 1e-15)
        for g in same.dAdversarial { XCTAssertEqual(g, 0, accuracy: 1e-15) }
    }

    func testTRADESHeadGradientsMatchFiniteDifferencesInFloat64() {
        var rng = SeededGenerator(seed: 12)
        let labels = [1, 3, 0], nat = randoms(12, &rng, scale: 2), adv = randoms(12, &rng, scale: 2)
        let r = TRADES.lossAndGradients(natural: nat, adversarial: adv, labels: labels, beta: 6)
        let h = 1e-5, tol = 1e-8
        XCTAssertLessThan(maxFDError(nat, h: h, analytic: r.dNatural) { TRADES.lossAndGradients(natural: $0, adversarial: adv, labels: labels, beta: 6).loss }, tol)
        XCTAssertLessThan(maxFDError(adv, h: h, analytic: r.dAdversarial) { TRADES.lossAndGradients(natural: nat, adversarial: $0, labels: labels, beta: 6).loss }, tol)
    }

    func testGammaScheduleIsAppendixBLerp() {
        let t = exp(-3.0), s = exp(-100.0)
        XCTAssertEqual(CEBSettings.gamma(step: 0, annealSteps: 100, rho: 3), s)
        XCTAssertEqual(CEBSettings.gamma(step: 25, annealSteps: 100, rho: 3), 0.75 * s + 0.25 * t, accuracy: 1e-15)
        XCTAssertEqual(CEBSettings.gamma(step: 100, annealSteps: 100, rho: 3), t)
        XCTAssertEqual(CEBSettings.gamma(step: 500, annealSteps: 100, rho: 3), t)
        XCTAssertEqual(CEBSettings.gamma(step: 0, annealSteps: 0, rho: 3), t)
        XCTAssertEqual(CEBSettings(rho: 3).effectiveAnnealSteps(totalSteps: 938), 93)
    }

    /// conv 2@3×3 on 1×6×6, ReLU, dense 5, ReLU, dense 3: small enough for a difference per parameter.
    func tinyNet(seed: UInt64) throws -> FloatNetwork {
        let g = Graph(inputShape: [1, 6, 6], nodes: [
            Node(.input, [], name: "in"), Node(.conv2d(outChannels: 2, kernel: 3, stride: 1, padding: 0), [0], name: "c"),
            Node(.relu, [1], name: "r1"), Node(.flatten, [2], name: "f"), Node(.dense(outFeatures: 5), [3], name: "d1"),
            Node(.relu, [4], name: "r2"), Node(.dense(outFeatures: 3), [5], name: "d2")])
        var rng = SeededGenerator(seed: seed)
        return try FloatNetwork(Model(graph: g, parameters: try Initializer.parameters(for: g, rng: &rng),
                                      metadata: ModelMetadata(classNames: ["a", "b", "c"])))
    }

    /// Worst |analytic − difference| / (1e-2 + |analytic|) over every parameter of `net`.
    func parameterFDError(_ net: FloatNetwork, analytic: [[[Float]]], h: Float, _ loss: () -> Double) -> Double {
        var worst = 0.0
        for i in net.model.parameters.indices { for t in net.model.parameters[i].indices { for e in net.model.parameters[i][t].data.indices {
            let v = net.model.parameters[i][t].data[e]
            net.model.parameters[i][t].data[e] = v + h; let up = loss()
            net.model.parameters[i][t].data[e] = v - h; let down = loss()
            net.model.parameters[i][t].data[e] = v
            let a = Double(analytic[i][t][e])
            worst = max(worst, abs((up - down) / Double(2 * h) - a) / (1e-2 + abs(a)))
        } } }
        return worst
    }

    func inputFDError(_ x: [Float], analytic: [Float], h: Float, _ loss: ([Float]) -> Double) -> Double {
        var worst = 0.0
        for i in x.indices {
            var p = x, m = x
            p[i] += h; m[i] -= h
            let a = Double(analytic[i])
            worst = max(worst, abs((loss(p) - loss(m)) / Double(2 * h) - a) / (1e-2 + abs(a)))
        }
        return worst
    }

    func testCEBGradientsThroughATinyNetMatchFiniteDifferences() throws {
        let net = try tinyNet(seed: 3)
        let state = try CEBState(net: net, optimizer: .adam, seed: 3)
        var rng = SeededGenerator(seed: 4)
        let x = (0..<(4 * 36)).map { _ in rng.nextFloat() }, labels = [0, 2, 1, 2]
        let noise = state.noise(batch: 4, rng: &rng)
        let r = state.lossAndGradients(net: net, x: x, labels: labels, noise: noise, gamma: 0.2, training: false, input: true)
        let loss = { (x: [Float]) in state.lossAndGradients(net: net, x: x, labels: labels, noise: noise, gamma: 0.2, training: false).head.loss }
        XCTAssertLessThan(parameterFDError(net, analytic: r.parameters, h: 2e-3) { loss(x) }, 3e-3)
        XCTAssertLessThan(inputFDError(x, analytic: try XCTUnwrap(r.input), h: 2e-3, loss), 3e-3)
    }

    func testTRADESGradientsThroughATinyNetMatchFiniteDifferences() throws {
        let net = try tinyNet(seed: 5)
        var rng = SeededGenerator(seed: 6)
        let x = (0..<(4 * 36)).map { _ in rng.nextFloat() }, labels = [1, 0, 2, 1]
        let xAdv = x.map { min(max($0 + rng.uniform(-0.2, 0.2), 0), 1) }
        let trades = TRADES(eps: 0.2, stepSize: 0.05, steps: 3, beta: 4)
        let r = trades.lossAndGradients(net, x: x, xAdv: xAdv, labels: labels, training: false, input: true)
        let loss = { (x: [Float], xa: [Float]) in trades.lossAndGradients(net, x: x, xAdv: xa, labels: labels, training: false).loss }
        XCTAssertLessThan(parameterFDError(net, analytic: r.parameters, h: 2e-3) { loss(x, xAdv) }, 3e-3)
        XCTAssertLessThan(inputFDError(x, analytic: try XCTUnwrap(r.dx), h: 2e-3) { loss($0, xAdv) }, 3e-3)
        XCTAssertLessThan(inputFDError(xAdv, analytic: try XCTUnwrap(r.dxAdv), h: 2e-3) { loss(x, $0) }, 3e-3)
    }

    func testTRADESSearchStaysInTheBallAndRaisesTheKL() throws {
        let train = TrainerTests.bars(128, seed: 1)
        var c = config()
        c.epochs = 1
        let net = try FloatNetwork(try Trainer.train(c, train: train, test: train))
        let idx = Array(0..<32), x = train.floatBatch(idx).data, labels = idx.map { train.labels[$0] }
        let trades = TRADES(eps: 0.1, stepSize: 0.025, steps: 6, beta: 1)
        var rng = SeededGenerator(seed: 2)
        let adv = trades.perturb(net, x: x, batch: 32, rng: &rng)
        for k in x.indices { XCTAssert(abs(adv[k] - x[k]) <= 0.1 + 1e-6 && adv[k] >= 0 && adv[k] <= 1) }
        func kl(_ xa: [Float]) -> Double {
            TRADES.lossAndGradients(natural: net.forward(x, batch: 32).logits.map(Double.init),
                                    adversarial: net.forward(xa, batch: 32).logits.map(Double.init), labels: labels, beta: 1).kl
        }
        let uniform = x.indices.map { min(max(x[$0] + rng.uniform(-0.1, 0.1), 0), 1) }
        XCTAssertGreaterThan(kl(adv), 2 * kl(uniform), "the search beats a random point of the ball")
    }

    func testObjectivesGiveByteIdenticalModelsAtOneAndTwoThreads() throws {
        let train = TrainerTests.bars(96, seed: 1), test = TrainerTests.bars(32, seed: 2)
        var ceb = config(), trades = ceb
        ceb.objective = .ceb(CEBSettings(rho: 2, annealSteps: 2))
        trades.epochs = 1
        trades.trades = TRADES(eps: 0.1, stepSize: 0.03, steps: 2, beta: 3)
        for (name, c) in [("ceb", ceb), ("trades", trades)] {
            var files: [[UInt8]] = []
            for t in [1, 2] {
                Parallel.threads = t
                files.append(try ModelFile.encode(try Trainer.train(c, train: train, test: test)))
            }
            XCTAssertEqual(files[0], files[1], "\(name): 1 vs 2 threads")
            var other = c
            other.seed = 9
            XCTAssertNotEqual(try ModelFile.encode(try Trainer.train(other, train: train, test: test)), files[0], name)
        }
    }

    func testRecipesAndTheSavedCEBNetIsOrdinary() throws {
        let train = TrainerTests.bars(64, seed: 1)
        var c = config()
        c.epochs = 1
        c.objective = .ceb(CEBSettings(rho: 4))
        let m = try Trainer.train(c, train: train, test: train)
        XCTAssertEqual(m.graph, Architecture.lenet5.graph(input: [1, 12, 12], classes: 2))
        let r = try XCTUnwrap(m.metadata.recipe)
        XCTAssertEqual(r.objective, "ceb"); XCTAssertEqual(r.rho, 4); XCTAssertEqual(r.rhoAnnealSteps, 0)
        XCTAssertNil(r.beta)
        c.objective = .crossEntropy
        c.trades = TRADES(eps: 0.1, stepSize: 0.03, steps: 1, beta: 3)
        let t = try XCTUnwrap(try Trainer.train(c, train: train, test: train).metadata.recipe)
        XCTAssertEqual(t.adversarial, "trades"); XCTAssertEqual(t.beta, 3); XCTAssertEqual(t.steps, 1)
        XCTAssertNil(t.objective)
        c.adversarial = PGDLinf(eps: 0.1, stepSize: 0.03, steps: 1)
        XCTAssertThrowsError(try Trainer.train(c, train: train, test: train))
    }

    func testCEBCarriesBatchNormStatisticsBackToTheNet() throws {
        // ResNet-8's trunk runs the batch norms; their running statistics must reach the saved net.
        let train = TrainerTests.bars(32, seed: 1)
        var c = config()
        (c.arch, c.epochs, c.objective) = (.resnet8, 1, .ceb(CEBSettings(rho: 2)))
        let m = try Trainer.train(c, train: train, test: train)
        let bn = try XCTUnwrap(m.graph.nodes.firstIndex { $0.name == "stem.bn" })
        XCTAssert(m.parameters[bn][2].data.contains { $0 != 0 }, "running mean moved")
        XCTAssert(m.parameters[bn][3].data.contains { $0 != 1 }, "running variance moved")
    }
}
