import XCTest
import EdgeCore
import EdgeData
@testable import EdgeAudit

/// report.html and the terminal summary, rendered from a real (tiny) audit: self-contained,
/// every section present, the verdict and skip reasons shown, numbers labelled with their
/// net, method and interval, gallery images that decode back to the recorded pixels.
final class ReportRenderingTests: XCTestCase {
    /// One audit shared by the tests (training and auditing the fixture takes seconds).
    nonisolated(unsafe) static var cached: (AuditReport, LabeledImages)? = nil

    func settings() -> AuditSettings {
        var s = AuditSettings.profile("quick")!
        s.eps = [0.05, 0.1]
        s.pgdSteps = 3
        s.squareImages = 0  // skipped on purpose: its reason must reach the report
        s.corruptions = [.gaussianNoise, .jpeg]
        s.cwImages = 12
        s.cwSteps = 5
        s.miSamples = 60
        s.saliencyImages = 5
        return s
    }

    func report() throws -> (AuditReport, LabeledImages) {
        if let c = Self.cached { return c }
        let (f, q, set) = try AuditTests.fixture()
        var runner = AuditRunner(float: f, int8: q, set: set, settings: settings(), quiet: true)
        runner.ste = AuditTests.ste
        let r = try runner.run()
        // Names from a model file are hostile input: they must arrive escaped.
        var rep = AuditReport(toolVersion: "9.9.9-test", modelPath: "<script>alert(1)</script>.bin", modelSHA256: SHA256.hex([]),
                              quantizedOnTheFly: false, calibration: "c", imagesPath: "imgs & more", imageCount: set.count, skippedImages: 0,
                              settings: settings(), results: r, gates: [], environment: [("threads", "1")])
        rep.classNames = set.classNames
        rep.generatedAt = "2026-12-01T12:00:00Z"
        Self.cached = (rep, set)
        return (rep, set)
    }

    func testHTMLIsSelfContainedAndHasEverySection() throws {
        let (rep, _) = try report()
        let html = HTMLReport.render(rep)
        for bad in ["src=\"http", "href=\"http", "<script", "<link", "url(", "@import"] {
            XCTAssertFalse(html.lowercased().contains(bad), "external reference or script: \(bad)")
        }
        for (id, _) in HTMLReport.sections { XCTAssert(html.contains("id=\"\(id)\""), "section \(id)") }
        for id in ["verdict", "notes", "skipped", "per-class", "cw", "gallery-adversarial", "gallery-corruption", "gallery-disagreement"] {
            XCTAssert(html.contains("id=\"\(id)\""), "part \(id)")
        }
        XCTAssert(html.contains(XMLText.attribute(Verdict.line(rep.results))), "verdict line")
        XCTAssert(html.contains("<b>square</b>: square_images is 0"), "skip reason")
        XCTAssert(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;.bin") && html.contains("imgs &amp; more"), "escaped names")
        XCTAssert(html.contains("2026-12-01T12:00:00Z") && html.contains("9.9.9-test"), "timestamp and version")
        // The clean accuracy with its Wilson interval, exactly as stored.
        let v = ReportFacts.value(rep.results, .clean(.int8, "accuracy"))!
        XCTAssertNotNil(v.low)
        XCTAssert(html.contains(String(format: "%.1f%% [%.1f, %.1f]", v.value * 100, v.low! * 100, v.high! * 100)))
        // Worst case at each ε, beside the attacks, labelled with the methods it covers.
        XCTAssertEqual(html.components(separatedBy: "<tr class=\"worst\">").count - 1, settings().eps.count, "one worst-case row per ε")
        XCTAssert(html.contains("worst of transfer, ste, query") && html.contains(">transfer<") && html.contains(">ste<") && html.contains(">white-box<"))
        // Both confusion matrices, with the class names.
        XCTAssertEqual(html.components(separatedBy: "<table class=\"cm\">").count - 1, 2)
        XCTAssert(html.contains("<th class=\"l\">a</th>") && html.contains("<th class=\"l\">c</th>"))
        // Reliability diagrams with ticks.
        XCTAssert(html.contains(">0.2</text>") && html.contains("images per bin"))
        // Sections without data say why instead of drawing empty charts.
        XCTAssertFalse(html.contains("class=\"notrun\">not run: square"), "square is part of the attack section, which has data")
    }

    func testGalleryImagesAreInlinePNGsOfTheRecordedPixels() throws {
        let (rep, set) = try report()
        let g = rep.results.gallery
        let adv = g.filter { $0.section == "adversarial" }, cor = g.filter { $0.section == "corruption" }
        XCTAssertEqual(adv.count, GalleryStage.adversarialImages * (1 + 2 * settings().eps.count))
        XCTAssertEqual(cor.count, settings().corruptions.map { $0.parameters(side: 28).count }.reduce(0, +))
        XCTAssertLessThanOrEqual(g.filter { $0.section == "disagreement" }.count, GalleryStage.disagreementImages)
        XCTAssertNotNil(rep.results.labels["gallery.disagreement"])
        let html = HTMLReport.render(rep)
        let uris = html.components(separatedBy: "src=\"data:image/png;base64,").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        XCTAssertEqual(uris.count, g.count)
        // Decoded independently (Foundation's base64, libpng), the page's images are the
        // recorded ones (the grid lays them out by row and column, so compare as sets).
        var decoded: [[UInt8]] = []
        for uri in uris {
            let bytes = try XCTUnwrap(Data(base64Encoded: uri), "base64")
            let png = try ImageCodec.decode(Array(bytes), path: "gallery")
            XCTAssertEqual([png.width, png.height], [set.width, set.height])
            XCTAssert(png.channels == 1 || png.channels == 3, "grey images, RGB heat maps")
            decoded.append(png.pixels)
        }
        // Recorded images are planar; PNG rows are interleaved (one channel: the same).
        let interleaved = { (i: GalleryImage) -> [UInt8] in
            let p = i.height * i.width
            return (0..<(p * i.channels)).map { i.pixels[($0 % i.channels) * p + $0 / i.channels] }
        }
        let order = { (a: [UInt8], b: [UInt8]) in a.lexicographicallyPrecedes(b) }
        XCTAssert(decoded.sorted(by: order) == g.map(interleaved).sorted(by: order), "decoded images differ from the gallery")
        XCTAssertEqual(g.filter { $0.section == "saliency" && $0.channels == 3 }.count, 4 * 4, "four images × four heat maps")
        // A perturbation image is |δ| scaled by 1/ε, and stays within the ε-ball.
        let eps = settings().eps[0]
        let clean = adv.first { $0.column == "clean" }!, pgd = adv.first { $0.row == clean.row && $0.column == "PGD ε=\(MetricKey.number(eps))" }!
        let delta = adv.first { $0.row == clean.row && $0.column.hasPrefix("|δ| ε=\(MetricKey.number(eps)) ") }!
        for t in clean.pixels.indices {
            let moved = abs(Int(pgd.pixels[t]) - Int(clean.pixels[t]))
            XCTAssertLessThanOrEqual(Double(moved), eps * 255 + 1e-9)
            XCTAssertEqual(Int(delta.pixels[t]), min(255, Int((Double(moved) / eps).rounded())))
        }
    }

    func testGalleryIsDeterministicAndOnlyShardOneRunsIt() throws {
        let (f, q, set) = try AuditTests.fixture()
        func gallery(_ shard: AuditShard) throws -> [GalleryImage] {
            let ctx = AuditContext(float: f, int8: q, ste: nil, set: set, settings: settings(), quiet: true, shard: shard)
            var rec = AuditRecords()
            try GalleryStage().run(ctx, into: &rec)
            return rec.whole.gallery
        }
        let a = try gallery(.whole), b = try gallery(.whole)
        XCTAssertFalse(a.isEmpty)
        XCTAssertEqual(a, b)
        XCTAssertEqual(try gallery(try AuditShard(parsing: "1/2")), a)
        XCTAssertEqual(try gallery(try AuditShard(parsing: "2/2")), [])
    }

    func testEmptyReportSaysWhatDidNotRun() {
        var r = AuditResults()
        r.skipped["mi"] = "mi_samples is 0"
        let rep = AuditReport(toolVersion: "t", modelPath: "m", modelSHA256: "0", quantizedOnTheFly: false, calibration: "c", imagesPath: "i",
                              imageCount: 0, skippedImages: 0, settings: settings(), results: r, gates: [], environment: [])
        let html = HTMLReport.render(rep)
        XCTAssert(html.contains("not run: mi_samples is 0"))
        XCTAssert(html.contains("not run: this run did not include the fgsm/pgd/square stage"))
        XCTAssert(html.contains("not run: this run did not include the gallery stage"))
        XCTAssert(html.contains("verdict: no float-vs-int8 comparison was run"))
        XCTAssertFalse(html.contains("<svg"), "no empty charts")
        let text = TerminalSummary.render(rep)
        XCTAssert(text.hasPrefix("verdict: no float-vs-int8 comparison was run\n"))
        XCTAssert(text.contains("not run: mi: mi_samples is 0"))
    }

    func testTerminalSummaryLeadsWithTheVerdictAndLabelsEveryRow() throws {
        let (rep, _) = try report()
        let lines = TerminalSummary.render(rep).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines[0], Verdict.line(rep.results))
        let v = ReportFacts.value(rep.results, .clean(.float, "accuracy"))!
        XCTAssert(lines.contains { $0.hasPrefix("clean accuracy [95%]") && $0.contains(v.text) })
        for eps in ["0.05", "0.1"] {
            XCTAssert(lines.contains { $0.hasPrefix("PGD eps \(eps) ") && $0.contains("white-box / transfer") }, "PGD \(eps)")
            XCTAssert(lines.contains { $0.hasPrefix("PGD (ste) eps \(eps) ") && $0.contains("ste") }, "STE \(eps)")
            XCTAssert(lines.contains { $0.hasPrefix("worst case eps \(eps) (") && $0.contains("all attacks on each net") })
        }
        XCTAssert(lines.contains("not run: square: square_images is 0"))
        // Every table row (after the header and its rule, before the notes) fills the method column.
        let table = Array(lines.dropFirst(2).prefix { !$0.isEmpty && !$0.hasPrefix("note:") && !$0.hasPrefix("not run:") })
        XCTAssertGreaterThan(table.count, 10)
        let col = try XCTUnwrap(table[0].range(of: "method (float / int8)")).lowerBound.utf16Offset(in: table[0])
        for row in table.dropFirst(2) {
            let chars = Array(row)
            XCTAssert(chars.count > col && chars[col] != " " && chars[col - 1] == " ", "method column empty: \(row)")
        }
    }

    func testSignificantRegressionsAreHighlightedAndTheVerdictIsRed() {
        var r = AuditResults()
        // 30 images the float net gets right and the int8 net wrong: McNemar p = 2^-29.
        r.setPaired("pgd.eps_0.1", float: [Bool](repeating: true, count: 30), int8: [Bool](repeating: false, count: 30))
        r.setPaired("clean", float: [true, false, true], int8: [true, true, true])
        r.correctForMultipleComparisons()
        let rep = AuditReport(toolVersion: "t", modelPath: "m", modelSHA256: "0", quantizedOnTheFly: false, calibration: "c", imagesPath: "i",
                              imageCount: 30, skippedImages: 0, settings: settings(), results: r, gates: [], environment: [])
        let html = HTMLReport.render(rep)
        XCTAssert(html.contains("<p class=\"verdict bad\""), "a significant regression makes the verdict red")
        XCTAssertEqual(html.components(separatedBy: "<tr class=\"sig-worse\"><td>PGD ε=0.1</td>").count - 1, 1)
        XCTAssertFalse(html.contains("<tr class=\"sig-worse\"><td>clean accuracy"), "one discordant image is not significant")
        XCTAssert(html.contains("<td>30</td><td>0</td><td>1.9e-09</td><td><b>yes</b></td>"), "discordant counts and p")
    }

    func testTemperatureScalingAndMCEAreShownOrSayWhyNot() {
        var r = AuditResults()
        r[.clean(.float, "accuracy")] = 0.9
        r[.clean(.float, "temperature")] = 1.25
        r[.clean(.int8, "temperature")] = 1.5
        r[.clean(.int8, "ece_temperature_scaled")] = 0.0123
        r[.corruptionSummary(.float, "jpeg", "mean_accuracy")] = 0.8
        r[.corruptionSummary(.int8, "jpeg", "mean_accuracy")] = 0.7
        r[.corruptionSummary(.int8, "jpeg", "ce")] = 0.95
        r[.corruptionSummary(.int8, nil, "mce")] = 0.875
        var s = settings()
        s.corruptions = [.jpeg]
        let rep = AuditReport(toolVersion: "t", modelPath: "m", modelSHA256: "0", quantizedOnTheFly: false, calibration: "c", imagesPath: "i",
                              imageCount: 1, skippedImages: 0, settings: s, results: r, gates: [], environment: [])
        let html = HTMLReport.render(rep)
        XCTAssert(html.contains("<tr><td>temperature T</td><td>1.250</td><td>1.500</td><td>+0.2500</td></tr>"))
        XCTAssert(html.contains("<td>jpeg</td><td>–</td><td>0.950</td>") && html.contains("<th class=\"l\">mCE</th><td>–</td><td>0.875</td>"))
        XCTAssert(TerminalSummary.render(rep).contains("temperature T"))
        var none = AuditResults()
        none[.clean(.float, "accuracy")] = 0.9
        none[.corruptionSummary(.float, "jpeg", "mean_accuracy")] = 0.8
        none[.corruptionSummary(.int8, "jpeg", "mean_accuracy")] = 0.7
        none.skipped = ["temperature": "not requested", "mce": "no --ce-baseline model"]
        var rep2 = rep
        rep2.results = none
        let html2 = HTMLReport.render(rep2)
        XCTAssert(html2.contains("Temperature scaling: not run: not requested") && html2.contains("mCE: not run: no --ce-baseline model"))
    }

    func testBase64MatchesRFC4648Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors { XCTAssertEqual(PNGDataURI.base64(Array(plain.utf8)), encoded, plain) }
        let all = (0...255).map(UInt8.init)
        XCTAssertEqual(PNGDataURI.base64(all), Data(all).base64EncodedString())
        XCTAssertNil(PNGDataURI.png(channels: 1, height: 2, width: 2, planar: [1, 2, 3]), "shape and pixel count disagree")
    }
}
