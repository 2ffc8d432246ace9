import Foundation
import XCTest

/// `train --mi-log` and `fisher` end to end on a tiny folder dataset.
final class InformationCLITests: CLITestCase {
    /// Three classes of 12×12 grey images (a bar at one of three orientations, jittered
    /// position and noise from a fixed LCG, so the images are all distinct).
    func makeData(_ dir: String, perClass: Int, salt: UInt32) throws {
        var state: UInt32 = 12345 &+ salt
        func next() -> UInt8 { state = state &* 1_103_515_245 &+ 12345; return UInt8((state >> 16) & 0x3F) }
        for (c, name) in ["diag", "horizontal", "vertical"].enumerated() {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(name)", withIntermediateDirectories: true)
            for i in 0..<perClass {
                var px: [UInt8] = []
                let pos = 2 + i % 7
                for y in 0..<12 { for x in 0..<12 {
                    let on = c == 0 ? abs(x - y) <= 1 : c == 1 ? (y == pos || y == pos + 1) : (x == pos || x == pos + 1)
                    px.append((on ? 190 : 10) + next())
                } }
                try Data(png(px, width: 12, height: 12, channels: 1)).write(to: URL(fileURLWithPath: "\(dir)/\(name)/\(i).png"))
            }
        }
    }

    func testInformationPlaneLogIsBoundedDeterministicAndMatchesMI() throws {
        let (train, test) = (tmp + "/train", tmp + "/test")
        try makeData(train, perClass: 30, salt: 1)
        try makeData(test, perClass: 12, salt: 2)
        var logs: [Data] = []
        for threads in ["1", "2"] {
            let r = try run(["train", "--dataset", train, "--test-images", test, "--epochs", "3", "--batch", "16",
                             "--out", "\(tmp)/m\(threads).bin", "--mi-every", "2", "--mi-inputs", "clean,pgd", "--mi-samples", "30",
                             "--mi-eps", "0.1", "--mi-sigma2", "2", "--mi-bin-size", "1.5", "--mi-log", "\(tmp)/log\(threads).json",
                             "--quiet", "--threads", threads])
            XCTAssertEqual(r.code, 0, r.err)
            logs.append(try Data(contentsOf: URL(fileURLWithPath: "\(tmp)/log\(threads).json")))
        }
        XCTAssertEqual(logs[0], logs[1], "the log must not depend on the thread count")
        let plain = try run(["train", "--dataset", train, "--test-images", test, "--epochs", "3", "--batch", "16",
                             "--out", "\(tmp)/plain.bin", "--quiet", "--threads", "2"])
        XCTAssertEqual(plain.code, 0, plain.err)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: "\(tmp)/plain.bin")), try Data(contentsOf: URL(fileURLWithPath: "\(tmp)/m1.bin")),
                       "measuring information planes must not change the training")
        let html = try String(contentsOfFile: "\(tmp)/log1.html", encoding: .utf8)
        XCTAssert(html.contains("<svg") && html.contains("relu1") && !html.contains("<script"), String(html.prefix(300)))
        let log = try XCTUnwrap(try JSONSerialization.jsonObject(with: logs[0]) as? [String: Any])
        let epochs = try XCTUnwrap(log["epochs"] as? [[String: Any]])
        XCTAssertEqual(epochs.map { $0["epoch"] as? Int }, [0, 2, 3], "the untrained net, every 2nd epoch and the last")
        let (k, n) = (3.0, 30.0)
        for e in epochs {
            let inputs = try XCTUnwrap(e["inputs"] as? [String: [String: [String: Double]]])
            XCTAssertEqual(Set(inputs.keys), ["clean", "pgd"])
            XCTAssertGreaterThan(try XCTUnwrap(e["fisher_frobenius_mean"] as? Double), 0)
            for (_, layers) in inputs {
                XCTAssertEqual(Set(layers.keys), ["relu1", "relu2", "relu3", "relu4", "fc3"])
                for (layer, est) in layers {
                    for (name, v) in est {
                        let bound = name.hasSuffix("ity") ? log2(k) : log2(n)
                        XCTAssert(v >= -1e-9 && v <= bound + 1e-9, "\(layer).\(name) = \(v) outside [0, \(bound)]")
                    }
                }
            }
        }
        // The last epoch's estimates are `edge-audit mi` on the saved model (float side).
        let mi = try run(["mi", "\(tmp)/m1.bin", "--images", test, "--samples", "30", "--inputs", "clean,pgd", "--eps", "0.1",
                          "--sigma2", "2", "--bin-size", "1.5", "--format", "json", "--calibration", test, "--quiet"])
        XCTAssertEqual(mi.code, 0, mi.err)
        let ref = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(mi.out.utf8)) as? [String: Double])
        let last = try XCTUnwrap(epochs.last?["inputs"] as? [String: [String: [String: Double]]])
        var compared = 0, belowCeiling = 0
        for (input, layers) in last { for (layer, est) in layers { for (name, v) in est {
            if v < (name.hasSuffix("ity") ? log2(k) : log2(n)) - 0.05 { belowCeiling += 1 }
            let want = try XCTUnwrap(ref["float.mi.\(input).\(layer).\(name)"], "mi has no \(input).\(layer).\(name)")
            XCTAssertEqual(v, want, accuracy: 5.1e-7, "\(input).\(layer).\(name)")   // mi prints 6 decimals
            compared += 1
        } } }
        XCTAssertEqual(compared, 60)
        XCTAssertGreaterThan(belowCeiling, 20, "σ² and λ chosen so that the estimates are not all at their ceilings")
    }

    func testFisherPerImageAndUsageErrors() throws {
        let data = tmp + "/d"
        try makeData(data, perClass: 10, salt: 3)
        XCTAssertEqual(try run(["train", "--dataset", data, "--epochs", "1", "--out", tmp + "/m.bin", "--quiet"]).code, 0)
        let f = try run(["fisher", tmp + "/m.bin", "--images", data, "--per-image", tmp + "/f.jsonl", "--format", "json", "--quiet"])
        XCTAssertEqual(f.code, 0, f.err)
        let lines = try String(contentsOfFile: tmp + "/f.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 30)
        for l in lines {
            let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any])
            let s = try XCTUnwrap(o["fisher_spectral"] as? Double), fr = try XCTUnwrap(o["fisher_frobenius"] as? Double)
            XCTAssert(s > 0 && s <= fr * (1 + 1e-12) && fr <= s * 2.0.squareRoot() * (1 + 1e-12), "rank ≤ K − 1 = 2: ‖F‖_F ≤ √2·‖F‖₂; \(l)")
            XCTAssertNotNil(o["path"] as? String)
        }
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(f.out.utf8)) as? [String: Any])
        XCTAssertGreaterThan(try XCTUnwrap(summary["cckl"] as? Double), 0)
        let q = try run(["fisher", tmp + "/m.bin", "--images", data, "--net", "int8", "--calibration", data, "--quiet"])
        XCTAssertEqual(q.code, 0, q.err)
        XCTAssert(q.out.contains("STE simulation"), q.out)
        XCTAssertEqual(try run(["fisher", tmp + "/m.bin", "--images", data, "--net", "int4"]).code, 2)
        XCTAssertEqual(try run(["fisher", tmp + "/m.bin", "--images", data, "--precision", "half"]).code, 2)
        XCTAssertEqual(try run(["fisher", tmp + "/nope.bin", "--images", data]).code, 66)
        let few = try run(["fisher", tmp + "/m.bin", "--images", data, "--miat", "--quiet"])
        XCTAssertEqual(few.code, 2, few.err)
        XCTAssert(few.err.contains("--miat needs at least 256 images"), few.err)
        XCTAssertEqual(try run(["train", "--dataset", data, "--out", tmp + "/x.bin", "--mi-every", "2"]).code, 2)
        XCTAssertEqual(try run(["train", "--dataset", data, "--out", tmp + "/x.bin", "--mi-log", tmp + "/l.json", "--mi-inputs", "fgsm"]).code, 2)
    }

    func testMIATEstimatesAreBoundedAndThreadIndependent() throws {
        let data = tmp + "/d"
        try makeData(data, perClass: 90, salt: 4)
        XCTAssertEqual(try run(["train", "--dataset", data, "--epochs", "2", "--out", tmp + "/m.bin", "--quiet"]).code, 0)
        var sections: [NSDictionary] = []
        for threads in ["1", "2"] {
            let r = try run(["fisher", tmp + "/m.bin", "--images", data, "--miat", "--format", "json", "--quiet", "--threads", threads])
            XCTAssertEqual(r.code, 0, r.err)
            let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            sections.append(try XCTUnwrap(o["miat"] as? NSDictionary))
        }
        XCTAssertEqual(sections[0], sections[1], "MIAT estimates must not depend on the thread count")
        let m = try XCTUnwrap(sections[0] as? [String: Any])
        for key in ["natural_mi_clean", "natural_mi_noise", "natural_mi_pgd", "adversarial_mi_noise", "adversarial_mi_pgd"] {
            let e = try XCTUnwrap(m[key] as? [String: Any], key)
            let nats = try XCTUnwrap(e["nats"] as? Double), ceiling = try XCTUnwrap(e["ceiling"] as? Double)
            XCTAssertEqual(ceiling, log(64), accuracy: 1e-12)
            XCTAssert(nats <= ceiling + 1e-9 && nats > -1, "\(key) = \(nats)")
        }
        let clean = try XCTUnwrap(m["accuracy_clean"] as? Double), pgd = try XCTUnwrap(m["accuracy_pgd"] as? Double)
        XCTAssertLessThan(pgd, clean, "PGD at ε = 0.1 must cost accuracy")
    }
}
