import XCTest
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeQuant
import EdgeInformation
@testable import EdgeAudit

/// The saliency stage on a small trained net: its typed metrics, their ranges, and a sharp
/// case — with the float net standing in for the int8 simulation, float vs int8 must be
/// identical maps (ℓ1 0, τ 1) while clean vs PGD must not be.
final class SaliencyStageTests: XCTestCase {
    func settings(_ method: SaliencyMethod) -> AuditSettings {
        var s = AuditSettings.profile("quick")!
        s.eps = [0.1]
        s.pgdSteps = 3
        s.saliencyImages = 5
        s.saliency.method = method
        s.saliency.steps = 8
        s.saliency.samples = 4
        return s
    }

    /// AuditTests' trained fixture, made once (training is the slow part in debug builds).
    nonisolated(unsafe) static var made: (FloatNetwork, IntegerNetwork, LabeledImages, FloatNetwork?)?
    func fixture() throws -> (FloatNetwork, IntegerNetwork, LabeledImages, FloatNetwork?) {
        if let m = Self.made { return m }
        let (f, q, set) = try AuditTests.fixture()
        Self.made = (f, q, set, AuditTests.ste)
        return Self.made!
    }

    func run(_ method: SaliencyMethod, ste: FloatNetwork?) throws -> AuditResults {
        let (f, q, set, _) = try fixture()
        var runner = AuditRunner(float: f, int8: q, set: set, settings: settings(method), quiet: true)
        runner.ste = ste
        return try runner.run(stages: [.saliency])
    }

    func testMetricsAndGrid() throws {
        let (_, q, _, ste) = try fixture()
        let r = try run(.ig, ste: ste)
        XCTAssertEqual(r[.saliencyImages], 5)
        for (net, c) in [(Metric.Net?.none, Metric.SaliencyComparison.floatVsInt8), (.float, .cleanVsPGD), (.int8, .cleanVsPGD)] {
            let l1 = try XCTUnwrap(r[.saliency(net, c, "l1_mean")], "\(c)"), tau = try XCTUnwrap(r[.saliency(net, c, "kendall_tau_mean")])
            XCTAssert((0...2).contains(l1), "ℓ1 of unit-mass maps is in [0, 2], got \(l1)")
            XCTAssert((-1...1).contains(tau), "τ in [−1, 1], got \(tau)")
        }
        // Four images × (input, float, int8, PGD input, float PGD, int8 PGD), heat maps in RGB.
        let grid = r.gallery.filter { $0.section == "saliency" }
        XCTAssertEqual(grid.count, 4 * 6)
        XCTAssertEqual(grid.filter { $0.channels == 3 }.count, 4 * 4)
        XCTAssertNotNil(r.labels["saliency"])
        let planned = AuditRunner.plannedMetrics(settings: settings(.ig), int8: q.graph, hasSTE: true, imageSide: 28)
        XCTAssertEqual(Set(r.metrics.keys).subtracting(planned), [])
    }

    func testIdenticalNetsGiveIdenticalMaps() throws {
        let (f, _, _, _) = try fixture()
        for method in SaliencyMethod.allCases {
            let r = try run(method, ste: f)
            XCTAssertEqual(r[.saliency(nil, .floatVsInt8, "l1_mean")], 0, "\(method)")
            XCTAssertEqual(r[.saliency(nil, .floatVsInt8, "kendall_tau_mean")], 1, "\(method)")
            XCTAssertGreaterThan(try XCTUnwrap(r[.saliency(.float, .cleanVsPGD, "l1_mean")]), 0.01, "\(method): PGD moves the map")
            XCTAssertEqual(r[.saliency(.float, .cleanVsPGD, "l1_mean")], r[.saliency(.int8, .cleanVsPGD, "l1_mean")], "\(method)")
        }
    }

    func testNoSTESkipsTheInt8Comparisons() throws {
        let r = try run(.gradcam, ste: nil)
        XCTAssertNotNil(r[.saliency(.float, .cleanVsPGD, "l1_median")])
        XCTAssertNil(r[.saliency(nil, .floatVsInt8, "l1_median")])
        XCTAssertEqual(r.gallery.filter { $0.section == "saliency" }.count, 4 * 4)
    }
}
