import Foundation
import XCTest

/// The CLI on int8 TFLite files (Tests/Fixtures/import): `predict --net int8` on PNGs made
/// from a fixture's stored inputs prints TensorFlow Lite Micro's stored logits (dequantised
/// with the logits tensor's scale and zero point from the converter's JSON), on both kernel
/// choices; inspect and bench work; what is not supported yet is a usage error (exit 2).
/// Float files: ImportedFloatCLITests.swift.
final class ImportedModelCLITests: CLITestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/import").path

    func model(_ name: String) -> String { fixtures + "/" + name + ".tflite" }

    /// An int8 or uint8 .npy array: shape and bytes.
    func npy(_ name: String) throws -> (shape: [Int], bytes: [UInt8], signed: Bool) {
        let d = Array(try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + name)))
        let hlen = Int(d[8]) | Int(d[9]) << 8
        let header = String(decoding: d[10..<(10 + hlen)], as: UTF8.self)
        let dims = header.components(separatedBy: "(")[1].components(separatedBy: ")")[0]
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        XCTAssert(header.contains("'|i1'") || header.contains("'|u1'"), header)
        return (dims, Array(d[(10 + hlen)...].prefix(dims.reduce(1, *))), header.contains("'|i1'"))
    }

    /// The logits tensor's (scale, zero point) as the converter reported it.
    func logitsQuant(_ name: String) throws -> (Float, Int32) {
        let j = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + name + ".expect.json"))) as! [String: Any]
        let index = (j["logits_tensor"] as! NSNumber).intValue
        let t = (j["tensors"] as! [[String: Any]]).first { ($0["index"] as! NSNumber).intValue == index }!
        return ((t["scales"] as! [NSNumber])[0].floatValue, (t["zero_points"] as! [NSNumber])[0].int32Value)
    }

    /// Writes each image of an NHWC uint8 batch as DIR/c0/imgNN.png (grey or RGB).
    func writeImages(_ px: [UInt8], shape: [Int], to dir: String, folder: String = "c0", channels: Int? = nil) throws {
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        try FileManager.default.createDirectory(atPath: dir + "/" + folder, withIntermediateDirectories: true)
        for k in 0..<n {
            var img = Array(px[(k * h * w * c)..<((k + 1) * h * w * c)])
            if let channels, channels == 1, c == 3 { img = stride(from: 0, to: img.count, by: 3).map { img[$0] } }
            let out = channels ?? c
            try Data(png(img, width: w, height: h, channels: out)).write(to: URL(fileURLWithPath: String(format: "%@/%@/img%02d.png", dir, folder, k)))
        }
    }

    /// Logits per source path from `predict --format jsonl --logits`.
    func logits(_ out: String) throws -> [String: [Float]] {
        var r: [String: [Float]] = [:]
        for line in out.split(separator: "\n") {
            let j = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            r[(j["path"] as! String)] = (j["logits"] as! [NSNumber]).map { Float("\($0)")! }
        }
        return r
    }

    /// `predict --net int8` on PNGs whose pixels the model's input rule turns into the stored
    /// input tensor (scale 1/255, zero point −128: q = pixel − 128; uint8: the pixel itself)
    /// prints TFLite Micro's int8 logits, dequantised, exactly.
    func testPredictEqualsTFLiteMicroOnEveryKernelChoice() throws {
        let labels = tmp + "/labels.txt"
        try Data((0..<10).map { "c\($0)" }.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: labels))
        for name in ["keras_a_1ch_int8", "keras_a_1ch_uint8", "keras_b_3ch_int8"] {
            let inputs = try npy(name + ".inputs.npy"), want = try npy(name + ".logits.npy")
            let pixels = inputs.signed ? inputs.bytes.map { UInt8(Int(Int8(bitPattern: $0)) + 128) } : inputs.bytes
            let dir = tmp + "/" + name
            try writeImages(pixels, shape: inputs.shape, to: dir)
            let (scale, zp) = try logitsQuant(name)
            for kernels in ["reference", "auto"] {
                let r = try run(["predict", model(name), "--images", dir, "--labels", labels, "--logits", "--kernels", kernels, "--quiet"])
                XCTAssertEqual(r.code, 0, r.err)
                XCTAssert(r.err.contains("TFLite Micro semantics"), r.err)
                let got = try logits(r.out)
                XCTAssertEqual(got.count, 16, name)
                for k in 0..<16 {
                    let path = String(format: "%@/c0/img%02d.png", dir, k)
                    let expected = (0..<10).map { scale * Float(Int32(Int8(bitPattern: want.bytes[k * 10 + $0])) - zp) }
                    XCTAssertEqual(got[path], expected, "\(name) \(kernels) image \(k)")
                }
            }
        }
    }

    /// Grey images for an RGB model are converted and the conversion is reported once;
    /// the metadata labels name the classes (folder "Trouser" is one of them) and the
    /// predictions are TFLite Micro's argmax.
    func testMetadataLabelsAndChannelConversion() throws {
        let inputs = try npy("keras_b_3ch_int8.inputs.npy")
        let grey = tmp + "/grey"
        try writeImages(inputs.bytes.map { UInt8(Int(Int8(bitPattern: $0)) + 128) }, shape: inputs.shape, to: grey, channels: 1)
        let labels = tmp + "/labels.txt"
        try Data((0..<10).map { "c\($0)" }.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: labels))
        let r = try run(["predict", model("keras_b_3ch_int8"), "--images", grey, "--labels", labels, "--quiet"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.err.components(separatedBy: "converted to RGB").count - 1, 1, r.err)
        XCTAssert(r.err.contains("16 grey image(s)"), r.err)

        let a = try npy("keras_a_1ch_int8.inputs.npy")
        let dir = tmp + "/fashion"
        try writeImages(a.bytes.map { UInt8(Int(Int8(bitPattern: $0)) + 128) }, shape: a.shape, to: dir, folder: "Trouser")
        let m = try run(["predict", model("keras_a_1ch_int8_metadata"), "--images", dir, "--quiet"])
        XCTAssertEqual(m.code, 0, m.err)
        // TFLite Micro's argmax on these 16 inputs: class 4 (Coat) but image 8, class 1 (Trouser).
        let lines = m.out.split(separator: "\n")
        XCTAssertEqual(lines.count, 16, m.out)
        for (k, line) in lines.enumerated() {
            XCTAssert(line.contains("\"label\":\"Trouser\"") && line.contains("\"predicted\":\"\(k == 8 ? "Trouser" : "Coat")\""), String(line))
        }
    }

    func testInspectAndBench() throws {
        let i = try run(["inspect", model("keras_a_1ch_int8")])
        XCTAssertEqual(i.code, 0, i.err)
        for s in ["imported graph", "TFLite Micro semantics", "DEPTHWISE_CONV_2D #1", "dwconv2d", "q = clamp(-128 + round(real", "predict needs --labels"] {
            XCTAssert(i.out.contains(s), "'\(s)' missing from\n\(i.out)")
        }
        let b = try run(["bench", model("keras_b_3ch_int8"), "--seconds", "0.1", "--batch", "8", "--kernels", "reference"])
        XCTAssertEqual(b.code, 0, b.err)
        XCTAssert(b.out.contains("int8 from TFLite (scalar"), b.out)
    }

    /// Without labels: exit 2 with the hint. An engine the file has no net for, and commands
    /// that need a float net or a model.bin: exit 2 naming what is missing, never "bad magic".
    func testUnsupportedCasesAreUsageErrors() throws {
        let dir = tmp + "/imgs"
        try writeImages([UInt8](repeating: 128, count: 28 * 28), shape: [1, 28, 28, 1], to: dir)
        let noLabels = try run(["predict", model("keras_a_1ch_int8"), "--images", dir])
        XCTAssertEqual(noLabels.code, 2, noLabels.err)
        XCTAssert(noLabels.err.contains("no class labels") && noLabels.err.contains("--labels FILE"), noLabels.err)
        let cases: [([String], String)] = [
            (["predict", model("keras_a_1ch_int8_labels"), "--images", dir, "--net", "float"], "is an int8-only model"),
            (["predict", model("keras_a_1ch_float"), "--images", dir, "--net", "int8"], "quantise it first"),
            (["bench", model("keras_a_1ch_float"), "--net", "int8"], "quantise it first"),
            (["audit", model("keras_a_1ch_int8"), "--images", dir], "no class labels"),
            (["quantize", model("keras_a_1ch_int8_labels"), "--calibration", dir, "--out", tmp + "/q.bin"], "int8-only TFLite model: it is quantised already"),
            (["mi", fixtures + "/torch_b_opset13.onnx", "--images", dir], "carries no class labels: pass --labels FILE"),
            (["device", "bundle", model("keras_a_1ch_int8"), "--images", dir, "--out", tmp + "/b"], "needs an edge-audit model.bin"),
            (["export", model("keras_a_1ch_int8"), "--safetensors", tmp + "/x"], "no class labels"),
        ]
        for (args, hint) in cases {
            let r = try run(args)
            XCTAssertEqual(r.code, 2, "\(args): \(r.err)")
            XCTAssert(r.err.contains(hint) && !r.err.contains("magic"), "\(args): \(r.err)")
        }
    }
}

extension ImportedModelCLITests {
    /// --mean/--std change the pixel rule (and so the logits); wrong counts, bad label files
    /// and a truncated model are reported with their exit codes.
    func testPreprocessingFlagsLabelFilesAndBrokenFiles() throws {
        let inputs = try npy("keras_a_1ch_int8.inputs.npy")
        let dir = tmp + "/imgs"
        try writeImages(inputs.bytes.map { UInt8(Int(Int8(bitPattern: $0)) + 128) }, shape: inputs.shape, to: dir)
        let labels = tmp + "/labels.txt"
        try Data(((0..<10).map { "c\($0)" }.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: labels))
        let base = ["predict", model("keras_a_1ch_int8"), "--images", dir, "--labels", labels, "--logits", "--quiet"]
        let plain = try run(base), centred = try run(base + ["--mean", "127.5", "--std", "127.5"])
        XCTAssertEqual(plain.code, 0, plain.err)
        XCTAssertEqual(centred.code, 0, centred.err)
        XCTAssertNotEqual(try logits(plain.out), try logits(centred.out))
        // mean 0, std 255 is the default rule spelled out: the same numbers.
        XCTAssertEqual(try logits(plain.out), try logits(try run(base + ["--mean", "0", "--std", "255"]).out))
        XCTAssertEqual(try run(base + ["--mean", "1,2"]).code, 2)
        XCTAssertEqual(try run(base + ["--std", "0"]).code, 2)
        XCTAssertEqual(try run(base + ["--mean", "x"]).code, 2)

        let short = tmp + "/short.txt"
        try Data("a\nb\n".utf8).write(to: URL(fileURLWithPath: short))
        let s = try run(["predict", model("keras_a_1ch_int8"), "--images", dir, "--labels", short])
        XCTAssertEqual(s.code, 2)
        XCTAssert(s.err.contains("2 class names") && s.err.contains("10 classes"), s.err)
        XCTAssertEqual(try run(["predict", model("keras_a_1ch_int8"), "--images", dir, "--labels", tmp + "/none.txt"]).code, 66)

        let bytes = try Data(contentsOf: URL(fileURLWithPath: model("keras_a_1ch_int8")))
        let cut = tmp + "/cut.tflite"
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        for cmd in [["inspect", cut], ["predict", cut, "--images", dir, "--labels", labels], ["bench", cut]] {
            let r = try run(cmd)
            XCTAssertEqual(r.code, 65, "\(cmd): \(r.err)")
            XCTAssert(r.err.contains("cut.tflite") && !r.err.contains("magic"), r.err)
        }
    }
}
