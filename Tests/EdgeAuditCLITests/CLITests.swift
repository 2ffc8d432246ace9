import XCTest
import Foundation

/// Runs the built `edge-audit` binary end to end and checks output and exit codes.
final class CLITests: CLITestCase {
    func testHelpListsEverySubcommand() throws {
        let r = try run(["--help"])
        XCTAssertEqual(r.code, 0)
        let commands = ["audit", "train", "quantize", "data", "inspect", "predict", "export", "bench", "corrupt", "evaluate", "metrics", "mi", "attack", "device", "fisher", "explain", "merge"]
        for c in commands { XCTAssert(r.out.contains("  \(c) "), "missing \(c) in\n\(r.out)") }
        // One line each: every subcommand line is followed by another subcommand or the end.
        let lines = r.out.split(separator: "\n").drop { !$0.hasPrefix("SUBCOMMANDS") }.dropFirst().filter { !$0.isEmpty && !$0.contains("See 'edge-audit help") }
        XCTAssertEqual(lines.count, commands.count, "\(lines)")
    }

    func testMetricsRejectBadArrays() throws {
        func npy(_ descr: String, _ shape: String, _ payload: [UInt8]) -> Data {
            var h = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
            while (10 + h.utf8.count + 1) % 64 != 0 { h += " " }
            h += "\n"
            return Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.utf8.count), 0] + Array(h.utf8) + payload)
        }
        let nan: [UInt8] = [0, 0, 0xC0, 0x7F]
        let one: [UInt8] = [0, 0, 0x80, 0x3F]
        try npy("<f4", "(2, 2)", one + one + one + one).write(to: URL(fileURLWithPath: tmp + "/a.npy"))
        try npy("<f4", "(2, 2)", one + nan + one + one).write(to: URL(fileURLWithPath: tmp + "/nan.npy"))
        try npy("<i8", "(3,)", [UInt8](repeating: 0, count: 24)).write(to: URL(fileURLWithPath: tmp + "/y3.npy"))
        try npy("<i8", "(2,)", [UInt8](repeating: 0, count: 16)).write(to: URL(fileURLWithPath: tmp + "/y2.npy"))
        try npy("<c8", "(2,)", [UInt8](repeating: 0, count: 16)).write(to: URL(fileURLWithPath: tmp + "/c.npy"))
        let mismatch = try run(["metrics", "mi", "--activations", tmp + "/a.npy", "--labels", tmp + "/y3.npy"])
        XCTAssertEqual(mismatch.code, 65)
        XCTAssert(mismatch.err.contains("[2, 2]") && mismatch.err.contains("[3]"), mismatch.err)
        XCTAssertEqual(try run(["metrics", "mi", "--activations", tmp + "/nan.npy", "--labels", tmp + "/y2.npy"]).code, 65)
        XCTAssertEqual(try run(["metrics", "mi", "--activations", tmp + "/a.npy", "--labels", tmp + "/y2.npy", "--sigma2", "0"]).code, 2)
        XCTAssertEqual(try run(["metrics", "mi", "--activations", tmp + "/c.npy", "--labels", tmp + "/y2.npy"]).code, 65)
        let ok = try run(["metrics", "mi", "--activations", tmp + "/a.npy", "--labels", tmp + "/y2.npy", "--format", "json"])
        XCTAssertEqual(ok.code, 0, ok.err)
        XCTAssert(ok.out.contains("\"bin_itx\": 0.000000"), ok.out)   // two identical rows
    }

    func testExitCodes() throws {
        XCTAssertEqual(try run(["inspect", tmp + "/none.bin"]).code, 66)
        try Data("not a model at all".utf8).write(to: URL(fileURLWithPath: tmp + "/bad.bin"))
        let bad = try run(["inspect", tmp + "/bad.bin"])
        XCTAssertEqual(bad.code, 65)
        XCTAssert(bad.err.contains("bad.bin") && bad.err.contains("magic"), bad.err)
        XCTAssertEqual(try run(["train", "--arch", "vgg", "--out", tmp + "/x.bin"]).code, 2)
        XCTAssertEqual(try run(["train", "--bogus-flag"]).code, 2)
    }

    func testTrainInspectPredictExportOnAFolder() throws {
        // A tiny two-class folder dataset written as real PNGs, so no system data is needed.
        let data = tmp + "/data"
        for (cls, vertical) in [("vertical", true), ("horizontal", false)] {
            try FileManager.default.createDirectory(atPath: "\(data)/\(cls)", withIntermediateDirectories: true)
            for i in 0..<24 {
                let pgm = pngBytes(vertical: vertical, pos: 2 + i % 8)
                try Data(pgm).write(to: URL(fileURLWithPath: "\(data)/\(cls)/\(i).png"))
            }
        }
        try Data("junk".utf8).write(to: URL(fileURLWithPath: "\(data)/vertical/zz-broken.png"))
        let model = tmp + "/m.bin"
        let t = try run(["train", "--dataset", data, "--epochs", "3", "--batch", "16", "--out", model, "--quiet", "--threads", "1"])
        XCTAssertEqual(t.code, 0, t.err)
        let ins = try run(["inspect", model])
        XCTAssertEqual(ins.code, 0, ins.err)
        XCTAssert(ins.out.contains("conv1") && ins.out.contains("GRPH") && ins.out.contains("seed 1"), ins.out)
        let p = try run(["predict", model, "--images", data, "--logits", "--quiet"])
        XCTAssertEqual(p.code, 0, p.err)
        XCTAssertEqual(p.out.split(separator: "\n").count, 48)
        XCTAssert(p.err.contains("1 file(s) skipped") && p.err.contains("zz-broken.png"), p.err)
        XCTAssertEqual(try run(["predict", model, "--images", data, "--strict", "--quiet"]).code, 65)
        let csv = try run(["predict", model, "--images", data, "--format", "csv", "--quiet"])
        XCTAssert(csv.out.hasPrefix("path,label,predicted,p_horizontal,p_vertical"), csv.out)
        let e = try run(["export", model, "--safetensors", tmp + "/m.safetensors"])
        XCTAssertEqual(e.code, 0, e.err)
        XCTAssert(FileManager.default.fileExists(atPath: tmp + "/m.safetensors"))
        XCTAssertEqual(try run(["predict", model, "--images", tmp + "/missing"]).code, 66)

        // device bundle/verify: a board that returns the host's int8 logits verifies, one
        // changed byte fails (exit 1) naming the image, and a float-only model cannot be
        // bundled (exit 2). scripts/test-device.sh runs the real board runner under qemu.
        let qmodel = tmp + "/mq.bin", bundle = tmp + "/bundle"
        XCTAssertEqual(try run(["quantize", model, "--calibration", data, "--out", qmodel, "--quiet"]).code, 0)
        XCTAssertEqual(try run(["device", "bundle", model, "--images", data, "--out", bundle, "--quiet"]).code, 2)
        let bun = try run(["device", "bundle", qmodel, "--images", data, "--out", bundle, "--profile", "quick", "--eps", "0.1", "--quiet"])
        XCTAssertEqual(bun.code, 0, bun.err)
        let host = try Data(contentsOf: URL(fileURLWithPath: bundle + "/host/clean.i8"))
        XCTAssertEqual(host.count, 48 * 2)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: bundle + "/sets/clean.u8")).count, 48 * 12 * 12)
        let board = tmp + "/board"
        try FileManager.default.createDirectory(atPath: board, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: bundle + "/host") where name.hasSuffix(".i8") {
            try FileManager.default.copyItem(atPath: "\(bundle)/host/\(name)", toPath: "\(board)/\(name)")
        }
        let ok = try run(["device", "verify", bundle, board])
        XCTAssertEqual(ok.code, 0, ok.out + ok.err)
        XCTAssert(ok.out.contains("fgsm-eps_0.1") && ok.out.contains("corruption-jpeg-level_1") && ok.out.contains("bit-identical"), ok.out)
        var flipped = host
        flipped[3] ^= 1
        try flipped.write(to: URL(fileURLWithPath: board + "/clean.i8"))
        let bad = try run(["device", "verify", bundle, board])
        XCTAssertEqual(bad.code, 1, bad.out + bad.err)
        XCTAssert(bad.out.contains("first at image 1"), bad.out)
        XCTAssertEqual(try run(["device", "verify", tmp + "/no-bundle"]).code, 66)

        // The audit: quantise on the fly, a gate that must fail, a gate that must pass.
        let gates = tmp + "/gates.toml"
        try Data("[[gate]]\nname = \"impossible\"\nrule = \"int8.clean.accuracy >= 0.999 + 1\"\n\n[[gate]]\nrule = \"int8.ece <= 1\"\n".utf8)
            .write(to: URL(fileURLWithPath: gates))
        let out = tmp + "/audit"
        let common = ["--images", data, "--calibration", data, "--profile", "quick", "--eps", "0.1", "--pgd-steps", "2",
                      "--square-queries", "5", "--square-images", "8", "--corruptions", "saturation,jpeg", "--quiet", "--out", out]
        let a = try run([model] + common + ["--gates", gates])
        XCTAssertEqual(a.code, 1, a.err)
        XCTAssert(a.out.contains("FAIL  impossible") && a.out.contains("PASS  int8.ece <= 1"), a.out)
        XCTAssert(a.err.contains("quantising now"), a.err)
        let junit = try String(contentsOfFile: out + "/junit.xml", encoding: .utf8)
        XCTAssertEqual(junit.components(separatedBy: "<testcase ").count - 1, 2)
        XCTAssertEqual(junit.components(separatedBy: "<failure ").count - 1, 1)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as! [String: Any]
        XCTAssertEqual(report["passed"] as? Bool, false)
        XCTAssertNotNil((report["results"] as? [String: Any])?["int8.pgd.eps_0.1.accuracy"])
        XCTAssert(FileManager.default.fileExists(atPath: out + "/report.html"))
        // Without gates every run passes; the explicit subcommand is the same command.
        XCTAssertEqual(try run(["audit", model] + common).code, 0)
        // Bad inputs: missing images 66, corrupt model 65, unknown metric in a gate 2, bad profile 2.
        XCTAssertEqual(try run([model, "--images", tmp + "/nope", "--calibration", data, "--quiet"]).code, 66)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: model))
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: tmp + "/corrupt.bin"))
        let c = try run([tmp + "/corrupt.bin", "--images", data, "--quiet"])
        XCTAssertEqual(c.code, 65)
        XCTAssert(c.err.contains("checksum"), c.err)
        try Data("[[gate]]\nrule = \"int8.bogus >= 1\"\n".utf8).write(to: URL(fileURLWithPath: gates))
        XCTAssertEqual(try run([model] + common + ["--gates", gates]).code, 2)
        XCTAssertEqual(try run([model, "--images", data, "--profile", "huge"]).code, 2)

        // Ctrl-C during a long audit: the process stops within a second and writes no report.
        let slowOut = tmp + "/interrupted"
        let slow = Process()
        slow.executableURL = binary
        slow.arguments = [model, "--images", data, "--calibration", data, "--pgd-steps", "10000", "--quiet", "--out", slowOut]
        slow.standardOutput = FileHandle.nullDevice
        slow.standardError = FileHandle.nullDevice
        try slow.run()
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertTrue(slow.isRunning, "the audit should still be running")
        let t0 = Date()
        slow.interrupt()
        slow.waitUntilExit()
        XCTAssertLessThan(Date().timeIntervalSince(t0), 1.0)
        XCTAssertEqual(slow.terminationReason, Process.TerminationReason.uncaughtSignal)
        XCTAssertFalse(FileManager.default.fileExists(atPath: slowOut + "/report.json"))
    }

    /// A 12×12 gray PNG with a bright two-pixel bar.
    func pngBytes(vertical: Bool, pos: Int) -> [UInt8] {
        var px: [UInt8] = []
        for y in 0..<12 { for x in 0..<12 { px.append((vertical ? (x == pos || x == pos + 1) : (y == pos || y == pos + 1)) ? 230 : 20) } }
        return png(px, width: 12, height: 12, channels: 1)
    }
}
