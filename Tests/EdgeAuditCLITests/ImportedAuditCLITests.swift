import Foundation
import XCTest

/// Float TFLite/ONNX files through the commands that need both nets: our quantiser makes
/// the int8 net (ahead with `quantize`, or on the fly with `--calibration`), and audit,
/// attack, evaluate, mi and fisher run on them as on a model.bin.
extension ImportedModelCLITests {
    /// torch_a's 16 stored inputs (pixel/255) as PNGs in two class folders, and a labels file.
    func torchImages() throws -> (dir: String, labels: String) {
        let x = try floats("torch_a_opset13.inputs.npy")
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var nhwc = [UInt8](repeating: 0, count: x.values.count)
        for b in 0..<n { for ch in 0..<c { for i in 0..<(h * w) { nhwc[(b * h * w + i) * c + ch] = UInt8((x.values[(b * c + ch) * h * w + i] * 255).rounded()) } } }
        let dir = tmp + "/torch-images", half = n / 2 * h * w * c
        try writeImages(Array(nhwc[..<half]), shape: [n / 2, h, w, c], to: dir, folder: "T-shirt_top")
        try writeImages(Array(nhwc[half...]), shape: [n - n / 2, h, w, c], to: dir, folder: "c1")
        let labels = tmp + "/labels.txt"
        try Data((["T-shirt/top"] + (1..<10).map { "c\($0)" }).joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: labels))
        return (dir, labels)
    }

    func testFloatImportIsQuantisedThenAuditedLikeAModelBin() throws {
        let (dir, labels) = try torchImages()
        let onnx = fixtures + "/torch_a_opset13.onnx", q = tmp + "/torch-q.bin"
        let pre = ["--mean", "72.9", "--std", "90.0"]
        let made = try run(["quantize", onnx, "--labels", labels, "--calibration", dir, "--out", q] + pre)
        XCTAssertEqual(made.code, 0, made.err)
        XCTAssert(made.err.contains("float ONNX model") && made.err.contains("mean [72.9]"), made.err)
        // The written model.bin needs no import flags and predicts on both engines.
        let f = try run(["predict", q, "--images", dir, "--quiet"]), i = try run(["predict", q, "--images", dir, "--net", "int8", "--quiet"])
        XCTAssertEqual(f.code, 0, f.err); XCTAssertEqual(i.code, 0, i.err)
        let direct = try run(["predict", onnx, "--images", dir, "--labels", labels, "--quiet"] + pre)
        XCTAssertEqual(direct.code, 0, direct.err)
        // Same float predictions through the model.bin as from the ONNX file itself.
        func classes(_ out: String) throws -> [String] {
            try out.split(separator: "\n").map { line -> String in
                let j = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                return j["predicted"] as! String
            }
        }
        XCTAssertEqual(try classes(f.out), try classes(direct.out))
        XCTAssertEqual(try classes(f.out).count, 16)
        let inspect = try run(["inspect", q])
        XCTAssert(inspect.out.contains("preprocessing"), inspect.out + inspect.err)

        // The audit of the ONNX file itself, quantised on the fly.
        let out = tmp + "/report"
        let a = try run(["audit", onnx, "--images", dir, "--labels", labels, "--calibration", dir, "--limit", "16", "--eps", "0.05",
                         "--pgd-steps", "2", "--square-images", "0", "--cw-images", "0", "--mi-samples", "0", "--corruptions", "gaussian_noise",
                         "--autoattack-images", "0", "--fisher-images", "4", "--ce-baseline", "none", "--out", out, "--quiet"] + pre)
        XCTAssertEqual(a.code, 0, a.err)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as! [String: Any]
        let model = report["model"] as! [String: Any]
        XCTAssertEqual(model["int8_quantized_on_the_fly"] as? Bool, true)
        let results = report["results"] as! [String: Any]
        for k in ["float.clean.accuracy", "int8.clean.accuracy", "int8.pgd.eps_0.05.accuracy"] {
            XCTAssertNotNil(results[k], "\(k) missing from \(results.keys.sorted().prefix(40))")
        }
        // Another command on the same file: attack with the same flags.
        let atk = try run(["attack", onnx, "--images", dir, "--labels", labels, "--calibration", dir, "--eps", "0.05", "--steps", "2", "--quiet"] + pre)
        XCTAssertEqual(atk.code, 0, atk.err)
    }
}

extension ImportedModelCLITests {
    /// An int8-only .tflite is audited on its own: its int8 net is the file's, its float net
    /// the dequantised twin, and the report says so.
    func testInt8OnlyTFLiteIsAuditedWithItsDequantisedTwin() throws {
        let (dir, labels) = try torchImages()
        let out = tmp + "/int8-report"
        let a = try run(["audit", model("keras_a_1ch_int8"), "--images", dir, "--labels", labels, "--limit", "16", "--eps", "0.05",
                         "--pgd-steps", "2", "--square-images", "4", "--square-queries", "20", "--cw-images", "0", "--mi-samples", "0",
                         "--corruptions", "none", "--autoattack-images", "0", "--fisher-images", "0", "--ce-baseline", "none", "--out", out, "--quiet"])
        XCTAssertEqual(a.code, 0, a.err)
        XCTAssert(a.err.contains("has no float parent") && a.err.contains("dequantised"), a.err)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as! [String: Any]
        let m = report["model"] as! [String: Any]
        XCTAssertEqual(m["int8_quantized_on_the_fly"] as? Bool, false)
        XCTAssert("\(m)".contains("dequantised twin"), "\(m)")
        let results = report["results"] as! [String: Any]
        for k in ["float.clean.accuracy", "int8.clean.accuracy", "int8.pgd_ste.eps_0.05.accuracy"] {
            XCTAssertNotNil(results[k], "\(k) missing")
        }
        // The int8 clean accuracy is the file's own int8 net's: predict on the same images agrees.
        let p = try run(["predict", model("keras_a_1ch_int8"), "--images", dir, "--labels", labels, "--quiet"])
        XCTAssertEqual(p.code, 0, p.err)
        let right = try p.out.split(separator: "\n").filter { line in
            let j = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return (j["predicted"] as! String) == (j["label"] as! String)
        }.count
        XCTAssertEqual((results["int8.clean.accuracy"] as! NSNumber).doubleValue, Double(right) / 16, accuracy: 1e-9)
    }
}

extension ImportedModelCLITests {
    /// `--float-model` pairs an int8-only .tflite with the float .tflite it was converted
    /// from (both fixtures); a float model of the same shapes but other weights (torch_a is
    /// built like keras_a) is refused, naming the first layer whose outputs differ.
    func testFloatParentPairing() throws {
        let (dir, labels) = try torchImages()
        for m in ["keras_a_1ch"] {   // keras_b (16×16 RGB): EdgeToolsTests.FloatParentPairingTests
            let r = try run(["attack", model(m + "_int8"), "--float-model", model(m + "_float"), "--labels", labels, "--images", dir,
                             "--eps", "0.05", "--steps", "2", "--quiet"])
            XCTAssertEqual(r.code, 0, r.err)
            XCTAssert(r.err.contains("paired with its float parent"), r.err)
        }
        let wrong = try run(["attack", model("keras_a_1ch_int8"), "--float-model", fixtures + "/torch_a_opset13.onnx", "--labels", labels,
                             "--images", dir, "--eps", "0.05", "--steps", "2", "--quiet"])
        XCTAssertEqual(wrong.code, 2, wrong.err)
        XCTAssert(wrong.err.contains("is not the float parent") && wrong.err.contains("first at /c1/Conv_output_0"), wrong.err)
        let notInt8 = try run(["attack", model("keras_a_1ch_float"), "--float-model", model("keras_a_1ch_float"), "--labels", labels, "--images", dir])
        XCTAssertEqual(notInt8.code, 2, notInt8.err)
        XCTAssert(notInt8.err.contains("is not an int8-only .tflite"), notInt8.err)
        let bothInt8 = try run(["attack", model("keras_a_1ch_int8"), "--float-model", model("keras_a_1ch_int8"), "--labels", labels, "--images", dir])
        XCTAssertEqual(bothInt8.code, 2, bothInt8.err)
        XCTAssert(bothInt8.err.contains("is an int8 model too"), bothInt8.err)
    }
}

extension ImportedModelCLITests {
    /// `export --tflite` takes imported models too: an int8-only file is written back with the
    /// same integers (its re-import predicts the same int8 logits; under TensorFlow Lite Micro
    /// the re-export gave the fixture's stored logits, 16/16 bit for bit, checked by hand), and
    /// a float ONNX is quantised on the fly and exported.
    func testImportedModelsExportToTFLite() throws {
        let (dir, labels) = try torchImages()
        let re = tmp + "/re.tflite"
        let e = try run(["export", model("keras_a_1ch_int8"), "--labels", labels, "--tflite", re])
        XCTAssertEqual(e.code, 0, e.err)
        let a = try run(["predict", model("keras_a_1ch_int8"), "--images", dir, "--labels", labels, "--logits", "--quiet"])
        let b = try run(["predict", re, "--images", dir, "--labels", labels, "--logits", "--quiet"])
        XCTAssertEqual(a.code, 0, a.err); XCTAssertEqual(b.code, 0, b.err)
        XCTAssertEqual(try logits(a.out), try logits(b.out))
        let o = try run(["export", fixtures + "/torch_a_opset13.onnx", "--labels", labels, "--calibration", dir, "--tflite", tmp + "/t.tflite"])
        XCTAssertEqual(o.code, 0, o.err)
        let i = try run(["inspect", tmp + "/t.tflite"])
        XCTAssert(i.out.contains("TFLite Micro semantics"), i.out)
    }
}
