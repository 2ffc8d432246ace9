import XCTest
import EdgeCore
import EdgeData
import EdgeModel
import EdgeQuant
import EdgeTrain
@testable import EdgeInformation

/// The information-plane probes sit where the audit's MI stage probes: at the float node of
/// every int8 conv/dense layer, under its name, as the quantiser fuses them.
final class ProbeTests: XCTestCase {
    func testProbesMatchTheQuantisersLayers() throws {
        for arch in Architecture.allCases {
            let g = arch.graph(input: [1, 12, 12], classes: 3)
            var rng = SeededGenerator(seed: 2)
            let model = Model(graph: g, parameters: try Initializer.parameters(for: g, rng: &rng),
                              metadata: ModelMetadata(classNames: ["a", "b", "c"]))
            let px = (0..<(20 * 144)).map { _ in UInt8(rng.nextInt(below: 256)) }
            let cal = LabeledImages(channels: 1, height: 12, width: 12, pixels: px, labels: (0..<20).map { $0 % 3 },
                                    classNames: ["a", "b", "c"], sources: (0..<20).map { "\($0).png" })
            let q = try Quantizer.quantize(model, calibration: cal)
            let want = q.nodes.compactMap { n -> String? in
                if case .conv = n.op { return "\(n.name)@\(n.floatNode)" }
                return nil
            }
            let got = InformationPlaneProbe.probes(g).map { "\($0.name)@\($0.node)" }
            XCTAssertEqual(got, want, "\(arch)")
            XCTAssertGreaterThanOrEqual(got.count, 5)
        }
    }
}
