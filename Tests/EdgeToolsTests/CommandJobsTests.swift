import XCTest
import EdgeCore
import EdgeTools

/// The jobs behind fisher, train, predict, bench and inspect of imported files: the flag
/// checks (the command's order, its messages) and what they print, on the shipped models.
final class CommandJobsTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    var tmp = ""

    override func setUpWithError() throws {
        tmp = NSTemporaryDirectory() + "edge-audit-jobs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: tmp) }

    func usage(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch let EdgeError.usage(m) { return m } catch { return "other: \(error)" }
    }

    func fisher(_ change: (inout FisherJob) -> Void) -> FisherJob {
        var j = FisherJob(model: root + "/models/fashion-lenet5-q.bin", images: root + "/calibration/fashion-mnist")
        change(&j)
        return j
    }

    func testFisherChecksFlagsBeforeReadingTheModel() {
        var j = FisherJob(model: tmp + "/missing.bin", images: tmp)
        j.net = "fp16"
        XCTAssertEqual(usage { try j.run() }, "--net must be float or int8, got 'fp16'")
        j.net = "int8"; j.format = "xml"
        XCTAssertEqual(usage { try j.run() }, "--format must be table or json, got 'xml'")
        j.format = "json"; j.precision = "float16"
        XCTAssertEqual(usage { try j.run() }, "--precision must be float32 or float64, got 'float16'")
        j.precision = "float64"; j.limit = 0
        XCTAssertEqual(usage { try j.run() }, "--limit must be positive, got 0")
        j.limit = nil; j.miatEps = 2
        XCTAssertEqual(usage { try j.run() }, "--miat-eps must be in (0, 1], got 2.0")
    }

    func testFisherJSONAndPerImageLines() throws {
        let per = tmp + "/per.jsonl"
        let text = try fisher { $0.limit = 5; $0.format = "json"; $0.perImage = per }.run()
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(obj["images"] as? Int, 5)
        XCTAssertEqual(obj["net"] as? String, "float, Jacobian in float32")
        XCTAssertNil(obj["miat"])
        let lines = String(decoding: try AtomicFile.read(per, limit: 1 << 20), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.count, 5)
        for l in lines {
            let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any])
            XCTAssertEqual(Set(o.keys), ["path", "label", "fisher_spectral", "fisher_frobenius"])
        }
    }

    func testFisherTableRows() throws {
        let text = try fisher { $0.limit = 5 }.run().split(separator: "\n").map(String.init)
        XCTAssertEqual(text[0], "net: float, Jacobian in float32")
        XCTAssert(text[1].hasPrefix("5 images, "), text[1])
        XCTAssert(text[3].hasPrefix("fisher_spectral ") && text[4].hasPrefix("fisher_frobenius "), text.joined(separator: "\n"))
        XCTAssert(text.last!.hasPrefix("accuracy "), text.last!)
        XCTAssertEqual(FisherText.number(.nan), "null")
        XCTAssertEqual(FisherText.number(0.25), "0.25")
    }

    func testTrainChecksFlagsInOrder() {
        var j = TrainJob(out: tmp + "/m.bin")
        j.arch = "vgg"
        XCTAssertEqual(usage { try j.run() }, "--arch must be one of [\"lenet5\", \"resnet8\"], got 'vgg'")
        j.arch = "lenet5"; j.miEvery = 2
        XCTAssertEqual(usage { try j.run() }, "--mi-every needs --mi-log FILE.json")
        j.miLog = tmp + "/planes.html"
        XCTAssertEqual(usage { try j.run() }, "--mi-log must be a .json file other than --out")
        j.miLog = tmp + "/planes.json"; j.miInputs = "clean,clean"
        XCTAssertEqual(usage { try j.run() }, "--mi-inputs must list clean and/or pgd once each, got 'clean,clean'")
        j.miInputs = "clean"; j.adversarial = "fgsm"
        XCTAssertEqual(usage { try j.run() }, "--adversarial must be none, pgd or trades, got 'fgsm'")
        XCTAssertEqual(TrainJob.plotPath("a/planes.json"), "a/planes.html")
        XCTAssertEqual(TrainJob.plotPath("planes"), "planes.html")
    }

    func testTrainChecksObjectiveFlagsAndTheirCombinations() {
        var j = TrainJob(out: tmp + "/m.bin")
        j.objective = "vib"
        XCTAssertEqual(usage { try j.run() }, "--objective must be ce or ceb, got 'vib'")
        j.objective = "ce"; j.beta = 6
        XCTAssertEqual(usage { try j.run() }, "--beta needs --adversarial trades")
        j.beta = nil; j.rho = 3
        XCTAssertEqual(usage { try j.run() }, "--rho and --rho-anneal-steps need --objective ceb")
        j.rho = nil; j.rhoAnnealSteps = 10
        XCTAssertEqual(usage { try j.run() }, "--rho and --rho-anneal-steps need --objective ceb")
        j.objective = "ceb"
        XCTAssertEqual(usage { try j.run() }, "--objective ceb needs --rho R")
        j.rho = 101
        XCTAssertEqual(usage { try j.run() }, "--rho must be in [-10, 100], got 101.0")
        j.rho = 3; j.rhoAnnealSteps = -1
        XCTAssertEqual(usage { try j.run() }, "--rho-anneal-steps must be in 0...100000000, got -1")
        j.rhoAnnealSteps = nil; j.adversarial = "trades"
        XCTAssertEqual(usage { try j.run() }, "--objective ceb runs with --adversarial none, got 'trades'")
        j.objective = "ce"; j.rho = nil; j.eps = 0
        XCTAssertEqual(usage { try j.run() }, "--adversarial trades needs 0 < --eps <= 1, --step-size > 0, --steps > 0")
        j.eps = 0.08; j.beta = 0
        XCTAssertEqual(usage { try j.run() }, "--beta must be in (0, 1000], got 0.0")
    }

    func testPredictAndBenchCheckFlags() {
        var p = PredictJob(model: tmp + "/missing.bin", images: tmp)
        p.format = "xml"
        XCTAssertEqual(usage { try p.run { _ in } }, "--format must be jsonl or csv, got 'xml'")
        p.format = "csv"; p.kernels = "fast"
        XCTAssertEqual(usage { try p.run { _ in } }, "--kernels must be auto or reference, got 'fast'")
        XCTAssertEqual(usage { try Benchmark.file(tmp + "/missing.bin", net: "fp16", batch: 1, kernels: "auto", seconds: 1) }, "--net must be float or int8")
        let tflite = root + "/Tests/Fixtures/import/keras_a_1ch_int8.tflite"
        XCTAssert(usage { try Benchmark.file(tflite, net: "float", batch: 1, kernels: "auto", seconds: 1) }?.contains("is an int8-only model: it runs on the int8 engine") == true)
    }

    func testImportedDescriptionOfAFloatFile() throws {
        let path = root + "/Tests/Fixtures/import/keras_a_1ch_float.tflite"
        var lines = [String]()
        try ImportedDescription.emit(path: path, bytes: try AtomicFile.read(path, limit: 1 << 26), labels: nil, preprocessing: { nil }) { lines.append($0) }
        XCTAssert(lines[0].hasPrefix("model \(path) ("), lines[0])
        XCTAssert(lines.contains { $0.hasPrefix("float engine: ") }, lines.joined(separator: "\n"))
        XCTAssert(lines.last!.hasPrefix("labels: "), lines.last!)
        // A bad --mean is reported after the imported graph's lines are out.
        var partial = [String]()
        XCTAssertThrowsError(try ImportedDescription.emit(path: path, bytes: try AtomicFile.read(path, limit: 1 << 26), labels: nil,
                                                          preprocessing: { throw EdgeError.usage("bad") }) { partial.append($0) })
        XCTAssertEqual(partial.first, lines.first)
    }

    func testSubcommandCheckSkipsTheProgramPath() {
        XCTAssertEqual(usage { try SubcommandGuess.check(arguments: ["edge-audit", "inpsect"], subcommands: ["inspect", "audit"]) },
                       "unknown subcommand 'inpsect'; did you mean 'inspect'?")
        XCTAssertNil(usage { try SubcommandGuess.check(arguments: ["inpsect"], subcommands: ["inspect"]) })
        XCTAssertNil(usage { try SubcommandGuess.check(arguments: ["edge-audit", "--help"], subcommands: ["inspect"]) })
    }
}
