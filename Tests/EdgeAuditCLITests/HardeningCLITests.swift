import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The file and output boundary, end to end: every subcommand on every CRC-valid semantic
/// mutation (scripts/make_semantic_mutations.py), outputs that must not replace what is
/// there, fail-fast checks, and SIGKILL during report writing.
final class HardeningCLITests: CLITestCase {
    var images: String { root + "/calibration/fashion-mnist" }
    var lenet: String { root + "/models/fashion-lenet5-q.bin" }

    /// A minimal audit (seconds in a debug build): everything but clean, SQNR, FGSM and a 1-step PGD off.
    func tinyAudit(_ model: String, out: String, extra: [String] = []) -> [String] {
        ["audit", model, "--images", images, "--limit", "10", "--eps", "0.05", "--pgd-steps", "1", "--square-images", "0",
         "--cw-images", "0", "--mi-samples", "0", "--corruptions", "none", "--autoattack-images", "0", "--fisher-images", "0",
         "--out", out, "--quiet"] + extra
    }

    // MARK: - Semantic mutations

    func testEverySubcommandOnEverySemanticMutationEndsWithItsDocumentedCode() throws {
        let dir = root + "/Tests/Fixtures/semantic"
        let manifest = try String(contentsOfFile: dir + "/MANIFEST.tsv", encoding: .utf8)
        var rows: [(String, Int32)] = []
        for line in manifest.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t")
            rows.append((String(f[0]), Int32(f[1])!))
        }
        XCTAssertGreaterThanOrEqual(rows.count, 25)
        for (name, inspectCode) in rows {
            let m = dir + "/" + name
            let cmds: [[String]] = [
                ["inspect", m, "--sqnr", "none"],
                ["predict", m, "--images", images, "--limit", "10"],
                ["predict", m, "--images", images, "--limit", "10", "--net", "int8"],
                ["attack", m, "--images", images, "--limit", "4", "--steps", "1", "--net", "int8", "--mode", "ste", "--save-adversarial", tmp + "/adv-" + name],
                ["attack", m, "--images", images, "--limit", "3", "--attack", "square", "--net", "int8", "--mode", "query", "--queries", "3"],
                ["evaluate", m, "--images", images, "--limit", "10", "--corruptions", "jpeg"],
                ["mi", m, "--images", images, "--samples", "10", "--inputs", "clean", "--export-activations", tmp + "/acts-" + name],
                ["bench", m, "--seconds", "0.02"],
                ["quantize", m, "--out", tmp + "/q-" + name],
                ["export", m, "--safetensors", tmp + "/s-" + name],
                tinyAudit(m, out: tmp + "/r-" + name),
            ]
            for c in cmds {
                let r = try run(c + (c[0] == "export" ? [] : ["--quiet"]).filter { !c.contains($0) })
                XCTAssertEqual(r.signal, 0, "\(c.joined(separator: " ")) died of signal \(r.signal)")
                if inspectCode == 65 {
                    XCTAssertEqual(r.code, 65, "\(name): \(c[0]) should refuse the file: \(r.err)")
                    XCTAssert(r.err.contains(name), "\(name): the error should name the file: \(r.err)")
                } else {
                    // Loadable files: success, or a documented refusal (no int8 net for
                    // predict/bench int8: 2; classes that do not match the folder, or an
                    // on-the-fly quantisation that cannot represent the net: 65; memory: 70).
                    XCTAssert([0, 2, 65, 70].contains(r.code), "\(name): \(c[0]) exited \(r.code): \(r.err)")
                }
                XCTAssertFalse(r.err.contains("\u{1B}"), "an escape sequence reached the terminal")
            }
        }
        // Nothing was created outside the scratch folder by the hostile names.
        let made = FileManager.default.enumerator(atPath: tmp)?.allObjects as? [String] ?? []
        XCTAssertFalse(made.contains { $0.contains("/") && $0.split(separator: "/").contains("..") })
        XCTAssertFalse(FileManager.default.fileExists(atPath: (tmp as NSString).deletingLastPathComponent + "/x"))
    }

    func testHostileLayerNameStaysInsideTheActivationFolder() throws {
        let m = root + "/Tests/Fixtures/semantic/layer-name-path.bin"
        let acts = tmp + "/a/b/c/acts"
        let r = try run(["mi", m, "--images", images, "--samples", "10", "--inputs", "clean", "--export-activations", acts, "--quiet"])
        XCTAssertEqual(r.code, 0, r.err)
        let files = try FileManager.default.contentsOfDirectory(atPath: acts)
        XCTAssert(files.contains { $0.hasSuffix(".float.npy") && $0.contains("~") }, "\(files)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/x.float.npy"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp), ["a"])
    }

    // MARK: - Outputs never replace what is not a regular file

    func testOutputsRefuseDevicesFifosAndSymlinks() throws {
        let fifo = tmp + "/fifo"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let target = tmp + "/elsewhere"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: target))
        let link = tmp + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        for out in ["/dev/null", fifo, link] {
            for c in [["export", lenet, "--safetensors", out], ["quantize", lenet, "--out", out, "--calibration", images],
                      ["train", "--epochs", "1", "--limit", "10", "--out", out, "--quiet"]] {
                let r = try run(c)
                XCTAssertEqual(r.code, 73, "\(c.joined(separator: " ")): \(r.err)")
                XCTAssert(r.err.contains("refusing to replace"), r.err)
            }
        }
        var st = stat()
        XCTAssertEqual(lstat("/dev/null", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFCHR)
        XCTAssertEqual(lstat(fifo, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFIFO)
        XCTAssertEqual(lstat(link, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFLNK)
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "keep")
    }

    func testCorruptRefusesToWriteIntoItsInput() throws {
        for out in [images, images + "/", images + "/T-shirt-top/deeper", images + "/../fashion-mnist"] {
            let r = try run(["corrupt", "--images", images, "--kind", "jpeg", "--level", "1", "--out", out])
            XCTAssertEqual(r.code, 2, "\(out): \(r.err)")
        }
    }

    // MARK: - Inputs: only regular files, bounded

    func testModelInputsMustBeRegularFilesAndAreReadWithABound() throws {
        let fifo = tmp + "/model.fifo"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let t0 = Date()
        let a = try run(["inspect", fifo])
        XCTAssertEqual(a.code, 66, a.err)
        XCTAssert(a.err.contains("FIFO"), a.err)
        let b = try run(["inspect", "/dev/zero"])
        XCTAssertEqual(b.code, 66, b.err)
        XCTAssert(b.err.contains("character device"), b.err)
        let c = try run(tinyAudit(lenet, out: tmp + "/r", extra: ["--baseline", "/dev/urandom"]))
        XCTAssertEqual(c.code, 66, c.err)
        XCTAssertLessThan(Date().timeIntervalSince(t0), 10)
    }

    func testReadErrorsAreReportedAsSuch() throws {
        // /proc/self/mem is a regular file whose first page is unmapped: read() fails with EIO.
        let r = try run(["inspect", "/proc/self/mem"])
        XCTAssertEqual(r.code, 66, r.err)
        XCTAssert(r.err.contains("Input/output error"), r.err)
        XCTAssertFalse(r.err.contains("magic"), r.err)
    }

    // MARK: - Memory

    func testAuditUnderASmallAddressSpaceLimitEndsWithAMessage() throws {
        let t0 = Date()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -v 400000; exec \"$0\" \"$@\"", binary.path, "audit", lenet, "--images", images, "--out", tmp + "/r"]
        let e = Pipe()
        p.standardError = e
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let err = String(decoding: e.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 70, err)
        XCTAssertEqual(p.terminationReason, .exit)
        XCTAssert(err.contains("not enough memory"), err)
        XCTAssertLessThan(Date().timeIntervalSince(t0), 10)
    }

    func testHugeDeclaredInputIsRefusedWithTheEstimateBeforeWork() throws {
        let m = root + "/Tests/Fixtures/semantic/declared-input-2048.bin"
        let t0 = Date()
        let r = try run(["audit", m, "--images", images, "--out", tmp + "/r"])
        XCTAssertEqual(r.code, 70, r.err)
        XCTAssert(r.err.contains("estimated") && r.err.contains("--max-memory"), r.err)
        XCTAssertLessThan(Date().timeIntervalSince(t0), 3)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/r"))
    }

    // MARK: - Fail fast

    func testMisspeltGateFailsInSecondsWithoutRunningTheAudit() throws {
        let gates = tmp + "/gates.toml"
        try "[[gate]]\nrule = \"int8.clean.acuracy >= 0.8\"\n".write(toFile: gates, atomically: true, encoding: .utf8)
        let t0 = Date()
        let r = try run(["audit", lenet, "--images", images, "--gates", gates, "--out", tmp + "/r"])
        XCTAssertEqual(r.code, 2, r.err)
        XCTAssert(r.err.contains("int8.clean.accuracy"), "should suggest the right name: \(r.err)")
        XCTAssertLessThan(Date().timeIntervalSince(t0), 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/r"))
    }

    func testUnicodeMinusAndNaNGates() throws {
        let gates = tmp + "/gates.toml"
        try "[[gate]]\nrule = \"int8.clean.accuracy >= float.clean.accuracy \u{2212} 1\"\n[[gate]]\nrule = \"float.clean.ece <= 1\"\n"
            .write(toFile: gates, atomically: true, encoding: .utf8)
        let ok = try run(tinyAudit(lenet, out: tmp + "/ok", extra: ["--gates", gates]))
        XCTAssertEqual(ok.code, 0, ok.err)
        // Float logits NaN: the float ECE gate fails (exit 1) and says why.
        let nan = try run(tinyAudit(root + "/Tests/Fixtures/semantic/float-logits-overflow-q.bin", out: tmp + "/nan", extra: ["--gates", gates]))
        XCTAssertEqual(nan.code, 1, nan.err)
        XCTAssert(nan.out.contains("not a finite number"), nan.out)
    }

    func testOutputThatIsAFileFailsBeforeWork() throws {
        let file = tmp + "/report"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let t0 = Date()
        let r = try run(["audit", lenet, "--images", images, "--out", file])
        XCTAssertEqual(r.code, 73, r.err)
        XCTAssertLessThan(Date().timeIntervalSince(t0), 2)
        let foreign = tmp + "/mine"
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        try Data("y".utf8).write(to: URL(fileURLWithPath: foreign + "/notes.txt"))
        XCTAssertEqual(try run(["audit", lenet, "--images", images, "--out", foreign]).code, 73)
        XCTAssertEqual(try String(contentsOfFile: foreign + "/notes.txt", encoding: .utf8), "y")
    }

    func testFlagValuesAreValidatedBeforeWork() throws {
        let cases: [[String]] = [
            ["train", "--lr", "nan", "--out", tmp + "/m.bin"], ["train", "--lr", "1e30", "--out", tmp + "/m.bin"],
            ["train", "--weight-decay", "-1", "--out", tmp + "/m.bin"], ["train", "--threads", "0", "--out", tmp + "/m.bin"],
            ["attack", lenet, "--images", images, "--step-size", "-1"], ["attack", lenet, "--images", images, "--kappa", "nan"],
            ["attack", lenet, "--images", images, "--eps", "nan"], ["attack", lenet, "--images", images, "--limit", "0"],
            ["audit", lenet, "--images", images, "--eps", "-0.1"], ["audit", lenet, "--images", images, "--mi-sigma2", "nan"],
            ["mi", lenet, "--images", images, "--samples", "1"], ["mi", lenet, "--images", images, "--inputs", "nosuch"],
            ["predict", lenet, "--images", images, "--limit", "-3"], ["bench", lenet, "--seconds", "nan"],
            ["audit", lenet, "--images", images, "--max-memory", "0"],
        ]
        for c in cases {
            let t0 = Date()
            let r = try run(c)
            XCTAssertEqual(r.code, 2, "\(c.joined(separator: " ")): \(r.err)")
            XCTAssertLessThan(Date().timeIntervalSince(t0), 3, c.joined(separator: " "))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/m.bin"))
    }

    func testBaselineFromAnotherModelIsRefusedUnlessAllowed() throws {
        let a = try run(tinyAudit(lenet, out: tmp + "/base"))
        XCTAssertEqual(a.code, 0, a.err)
        let gates = tmp + "/g.toml"
        try "[[gate]]\nrule = \"int8.clean.accuracy >= baseline - 1\"\n".write(toFile: gates, atomically: true, encoding: .utf8)
        let other = root + "/models/fashion-lenet5-at-q.bin"
        let refused = try run(tinyAudit(other, out: tmp + "/r", extra: ["--baseline", tmp + "/base/report.json", "--gates", gates]))
        XCTAssertEqual(refused.code, 2, refused.err)
        XCTAssert(refused.err.contains("--allow-baseline-mismatch"), refused.err)
        let allowed = try run(tinyAudit(other, out: tmp + "/r", extra: ["--baseline", tmp + "/base/report.json", "--gates", gates, "--allow-baseline-mismatch"]))
        XCTAssertEqual(allowed.code, 0, allowed.err)
        XCTAssert(allowed.err.contains("audited another model"), allowed.err)
        let weaker = try run(tinyAudit(lenet, out: tmp + "/r", extra: ["--baseline", tmp + "/base/report.json", "--gates", gates, "--limit", "20"]))
        XCTAssertEqual(weaker.code, 0, weaker.err)
        XCTAssert(weaker.err.contains("measured on 10 images"), weaker.err)
    }

    func testJUnitIsWellFormedForAnyGateName() throws {
        let gates = tmp + "/gates.toml"
        try "[[gate]]\nname = \"a\u{1}b <&> \u{1B}[31m\"\nrule = \"int8.clean.accuracy >= 2\"\n".write(toFile: gates, atomically: true, encoding: .utf8)
        let r = try run(tinyAudit(lenet, out: tmp + "/r", extra: ["--gates", gates]))
        XCTAssertEqual(r.code, 1, r.err)
        XCTAssertFalse(r.out.contains("\u{1B}"), "escape sequence printed")
        let xml = try Data(contentsOf: URL(fileURLWithPath: tmp + "/r/junit.xml"))
        XCTAssertFalse(xml.contains(0x01), "a control character XML forbids")
        let text = String(decoding: xml, as: UTF8.self)
        XCTAssert(text.contains("&lt;&amp;&gt;"), text)
        XCTAssertEqual(text.components(separatedBy: "<testcase").count - 1, 1)
    }

    func testCSVIsRFC4180() throws {
        let r = try run(["predict", lenet, "--images", images, "--limit", "3", "--format", "csv", "--quiet"])
        XCTAssertEqual(r.code, 0, r.err)
        let lines = r.out.split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        // Every row has as many fields as the header (no field holds an unquoted comma).
        let n = lines[0].split(separator: ",", omittingEmptySubsequences: false).count
        for l in lines { XCTAssertEqual(l.split(separator: ",", omittingEmptySubsequences: false).count, n) }
    }

    // MARK: - The report set is replaced atomically

    func testTwoAuditsOnOneFolderDoNotMix() throws {
        let out = tmp + "/shared"
        let p = Process()
        p.executableURL = binary
        p.arguments = tinyAudit(lenet, out: out)
        p.environment = ProcessInfo.processInfo.environment.merging(["EDGE_AUDIT_FAULT_PAUSE_MS": "400"]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Wait until the first run holds the lock, then start the second.
        let lock = tmp + "/.shared.edge-audit-lock"
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: lock) { usleep(10_000) }
        let second = try run(tinyAudit(lenet, out: out))
        XCTAssertEqual(second.code, 73, second.err)
        XCTAssert(second.err.contains("another edge-audit run"), second.err)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: tmp)), ["shared"])
    }

    func testSIGKILLDuringReportWritingLeavesOldOrNewSetNeverAMix() throws {
        let out = tmp + "/reports"
        func seedOfSet() throws -> (json: String, html: String, files: Set<String>) {
            let files = Set(try FileManager.default.contentsOfDirectory(atPath: out))
            let json = try String(contentsOfFile: out + "/report.json", encoding: .utf8)
            let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
            func seed(_ s: String, _ pattern: String) -> String {
                guard let r = s.range(of: pattern + "[0-9]+", options: .regularExpression) else { return "?" }
                return String(s[r].dropFirst(pattern.count))
            }
            return (seed(json, "\"seed\": \""), seed(html, ", seed "), files)
        }
        XCTAssertEqual(try run(tinyAudit(lenet, out: out, extra: ["--seed", "1"])).code, 0)
        var current = "1"
        var rng = SystemRandomNumberGenerator()
        var landed = 0, kept = 0
        for trial in 0..<50 {
            let seed = "\(trial + 2)"
            let p = Process()
            p.executableURL = binary
            p.arguments = tinyAudit(lenet, out: out, extra: ["--seed", seed])
            p.environment = ProcessInfo.processInfo.environment.merging(["EDGE_AUDIT_FAULT_PAUSE_MS": "15"]) { $1 }
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            // Wait for the staging folder (the commit has begun), then kill at a random moment
            // of the ~60 ms commit window (or just after it).
            let staging = tmp + "/.reports.edge-audit-new-\(p.processIdentifier)"
            for _ in 0..<3000 where !FileManager.default.fileExists(atPath: staging) && p.isRunning { usleep(1000) }
            usleep(UInt32.random(in: 0..<80_000, using: &rng))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let s = try seedOfSet()
            XCTAssertEqual(s.files, ["report.json", "report.html", "junit.xml"], "trial \(trial)")
            XCTAssertEqual(s.json, s.html, "trial \(trial): report.json and report.html come from different runs")
            XCTAssert(s.json == current || s.json == seed, "trial \(trial): seed \(s.json), expected \(current) or \(seed)")
            if s.json == seed { landed += 1; current = seed } else { kept += 1 }
        }
        // Both outcomes occurred, so kills landed before and after the swap.
        XCTAssertGreaterThan(landed, 0)
        XCTAssertGreaterThan(kept, 0)
        XCTAssertEqual(try run(tinyAudit(lenet, out: out, extra: ["--seed", "99"])).code, 0)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: tmp)), ["reports"], "leftovers of killed runs")
    }
}
