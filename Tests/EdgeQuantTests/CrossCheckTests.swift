import EdgeCore
import EdgeModel
import XCTest
@testable import EdgeQuant

/// The cross-section rules (QuantizedGraph.crossCheck) on in-memory edits of a shipped
/// model: each edit keeps the int8 net valid on its own and makes it disagree with the
/// float graph in one way; the shipped pairing itself passes.
final class CrossCheckTests: XCTestCase {
    func loaded() throws -> LoadedModel {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        return try QuantizedModelFile.read(root + "/models/fashion-resnet8-q.bin")
    }

    func firstConv(_ q: QuantizedGraph, where ok: (QConvLayer) -> Bool) -> (Int, QConvLayer)? {
        for (i, n) in q.nodes.enumerated() { if case .conv(let c) = n.op, ok(c) { return (i, c) } }
        return nil
    }

    func assertRefused(_ q: QuantizedGraph, _ g: Graph, _ field: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try q.crossCheck(against: g, path: "m", offset: 0), file: file, line: line) { e in
            XCTAssert("\(e)".contains(field), "\(e)", file: file, line: line)
        }
    }

    func testShippedPairPassesAndEachDisagreementIsRefused() throws {
        let m = try loaded()
        let g = m.model.graph
        var q = try XCTUnwrap(m.int8)
        XCTAssertNoThrow(try q.crossCheck(against: g, path: "m", offset: 0))
        let (i, c) = try XCTUnwrap(firstConv(q) { !$0.isDense && $0.inChannels == $0.outChannels && $0.kernel == 3 })

        // A depthwise layer in place of a dense convolution over several channels.
        var dw = c
        dw.isDepthwise = true
        dw.weights = Array(c.weights.prefix(c.outChannels * 9))
        var q1 = q
        q1.nodes[i].op = .conv(dw)
        XCTAssertNoThrow(try q1.validate(inputShape: g.inputShape), "the edit must be valid on its own")
        assertRefused(q1, g, "op")

        // Asymmetric padding (TensorFlow's SAME) where the float conv pads symmetrically.
        var asym = c
        asym.padTop = 0; asym.padLeft = 0; asym.padBottom = 2; asym.padRight = 2
        var q2 = q
        q2.nodes[i].op = .conv(asym)
        assertRefused(q2, g, "op")

        // Inputs swapped on a residual add.
        let add = try XCTUnwrap(q.nodes.firstIndex { if case .add = $0.op { return true }; return false })
        q.nodes[add].inputs.reverse()
        if q.nodes[q.nodes[add].inputs[0]].floatNode != q.nodes[q.nodes[add].inputs[1]].floatNode {
            assertRefused(q, g, "input")
        }
    }
}
