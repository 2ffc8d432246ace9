import ArgumentParser
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import EdgeTrain
import Foundation

/// `edge-audit predict`: one line per image; the accuracy summary goes to stderr.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Classify images: a JSON/CSV line each, accuracy.")

    @Argument(help: "model.bin") var model: String
    @Option(help: "Folder of class folders (DIR/<class>/*.png|jpg).") var images: String
    @Option(help: "jsonl or csv.") var format = "jsonl"
    @Flag(help: "Also print the logits.") var logits = false
    @Flag(help: "Fail on the first bad image instead of skipping it.") var strict = false
    @Option(help: "Only the first N images.") var limit: Int?
    @Option(help: "float or int8 (the integer-only engine; needs a quantised model).") var net = "float"
    @Option(help: "int8 kernels: auto (fastest SIMD) or reference (the scalar spec).") var kernels = "auto"
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        guard format == "jsonl" || format == "csv" else { throw EdgeError.usage("--format must be jsonl or csv, got '\(format)'") }
        guard net == "float" || net == "int8" else { throw EdgeError.usage("--net must be float or int8, got '\(net)'") }
        guard let kc = KernelChoice(rawValue: kernels) else { throw EdgeError.usage("--kernels must be auto or reference, got '\(kernels)'") }
        let loaded = try QuantizedModelFile.read(model)
        let m = loaded.model
        let floatNet = try FloatNetwork(m)
        var int8Net: IntegerNetwork? = nil
        if net == "int8" {
            guard let q = loaded.int8 else { throw EdgeError.usage("\(model) has no int8 network; run 'edge-audit quantize' first") }
            int8Net = try IntegerNetwork(q, kernels: kc)
        }
        let set = try CLISupport.loadImages(images, for: m, strict: strict, limit: limit)
        let k = floatNet.classes
        let names = m.metadata.classNames
        let out = FileHandle.standardOutput
        if format == "csv" {
            var header = "path,label,predicted," + names.map { csvField("p_\($0)") }.joined(separator: ",")
            if logits { header += "," + names.map { csvField("logit_\($0)") }.joined(separator: ",") }
            out.write(Data((header + "\n").utf8))
        }
        var correct = 0, nonFinite = 0
        var start = 0
        let bar = ProgressBar("predict", total: set.count, quiet: compute.quiet)
        while start < set.count {
            let idx = Array(start..<min(set.count, start + 256))
            let z: [Float]
            if let q = int8Net { z = q.dequantizedLogits(q.run(set, idx).logits) } else { z = floatNet.forward(set.floatBatch(idx).data, batch: idx.count).logits }
            var text = ""
            for (b, i) in idx.enumerated() {
                let row = z[(b * k)..<(b * k + k)]
                let p = SoftmaxCrossEntropy.probabilities(row)
                // Non-finite logits have no prediction: reported as null (JSON) or empty (CSV)
                // and counted as wrong, never as class 0 by an argmax over NaN.
                let finite = row.allSatisfy { $0.isFinite }
                let pred: Int? = finite ? SoftmaxCrossEntropy.argmax(Array(row), classes: k)[0] : nil
                if !finite { nonFinite += 1 }
                if pred == set.labels[i] { correct += 1 }
                func num(_ v: Float) -> String { v.isFinite ? String(v) : (format == "jsonl" ? "null" : (v.isNaN ? "NaN" : (v > 0 ? "Inf" : "-Inf"))) }
                if format == "jsonl" {
                    text += "{\"path\":\(jsonString(set.sources[i])),\"label\":\(jsonString(names[set.labels[i]])),\"predicted\":\(pred.map { jsonString(names[$0]) } ?? "null"),"
                    text += "\"probabilities\":[\(p.map { num(Float($0)) }.joined(separator: ","))]"
                    if logits { text += ",\"logits\":[\(row.map { num($0) }.joined(separator: ","))]" }
                    text += "}\n"
                } else {
                    text += "\(csvField(set.sources[i])),\(csvField(names[set.labels[i]])),\(pred.map { csvField(names[$0]) } ?? ""),"
                    text += p.map { num(Float($0)) }.joined(separator: ",")
                    if logits { text += "," + row.map { num($0) }.joined(separator: ",") }
                    text += "\n"
                }
            }
            out.write(Data(text.utf8))
            bar.advance(idx.count)
            start += idx.count
        }
        bar.finish()
        if nonFinite > 0 {
            printError("warning: \(nonFinite) of \(set.count) images have non-finite logits (NaN or Inf): no prediction, counted as wrong")
        }
        printError(String(format: "accuracy %.4f (%d/%d) on %@ [%@ net%@]", Double(correct) / Double(set.count), correct, set.count, images, net,
                          int8Net.map { ", \($0.isaName) kernels" } ?? ""))
    }
}

/// A JSON string literal.
func jsonString(_ s: String) -> String { JSONText.quote(s) }

/// A CSV field, quoted when it holds a comma, quote or newline.
func csvField(_ s: String) -> String { XMLText.csvField(s) }
