import ArgumentParser
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeImport
import EdgeModel
import EdgeQuant
import EdgeTrain
import Foundation

/// `edge-audit predict`: one line per image; the accuracy summary goes to stderr.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Classify images: a JSON/CSV line each, accuracy.")

    @Argument(help: "model.bin, a .tflite (int8 or float) or a float .onnx (the format is told by the file's content).") var model: String
    @Option(help: "Folder of class folders (DIR/<class>/*.png|jpg).") var images: String
    @Option(help: "jsonl or csv.") var format = "jsonl"
    @Flag(help: "Also print the logits.") var logits = false
    @Flag(help: "Fail on the first bad image instead of skipping it.") var strict = false
    @Option(help: "Only the first N images.") var limit: Int?
    @Option(help: "float or int8 (the integer-only engine; needs a quantised model). Default: float for model.bin, int8 for an imported int8 model.") var net: String?
    @Option(help: "int8 kernels: auto (fastest SIMD) or reference (the scalar spec).") var kernels = "auto"
    @OptionGroup var imported: ImportOptions
    @OptionGroup var compute: ComputeOptions

    /// What the output loop needs from either kind of model.
    struct Source {
        var names: [String]
        var set: LabeledImages
        var logits: ([Int]) -> [Float]
        var engine: String
        var int8: IntegerNetwork?
    }

    func run() throws {
        try compute.apply()
        guard format == "jsonl" || format == "csv" else { throw EdgeError.usage("--format must be jsonl or csv, got '\(format)'") }
        if let net { guard net == "float" || net == "int8" else { throw EdgeError.usage("--net must be float or int8, got '\(net)'") } }
        guard let kc = KernelChoice(rawValue: kernels) else { throw EdgeError.usage("--kernels must be auto or reference, got '\(kernels)'") }
        let (bytes, detected) = try ModelLoading.read(model)
        let src = try (detected == .tflite || detected == .onnx) ? importedSource(bytes, kc) : binSource(bytes, kc)
        let set = src.set, names = src.names, k = names.count
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
            let z = src.logits(idx)
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
        printError(String(format: "accuracy %.4f (%d/%d) on %@ [%@]", Double(correct) / Double(set.count), correct, set.count, images, src.engine))
    }

    /// A model.bin: its float net, or its int8 net with `--net int8`.
    func binSource(_ bytes: [UInt8], _ kc: KernelChoice) throws -> Source {
        if imported.any { printError("note: --labels, --input-scale, --mean and --std apply to imported models only; \(model) carries its own") }
        let loaded = try QuantizedModelFile.decode(bytes, path: model)
        let m = loaded.model
        let floatNet = try FloatNetwork(m)
        let set = try CLISupport.loadImages(images, for: m, strict: strict, limit: limit)
        if (net ?? "float") == "int8" {
            guard let q = loaded.int8 else { throw EdgeError.usage("\(model) has no int8 network; run 'edge-audit quantize' first") }
            let qn = try IntegerNetwork(q, kernels: kc)
            return Source(names: m.metadata.classNames, set: set, logits: { qn.dequantizedLogits(qn.run(set, $0).logits) },
                          engine: "int8 net, \(qn.isaName) kernels", int8: qn)
        }
        return Source(names: m.metadata.classNames, set: set, logits: { floatNet.forward(set.floatBatch($0).data, batch: $0.count).logits },
                      engine: "float net", int8: nil)
    }

    /// An imported int8 TFLite model on the integer engine.
    func importedSource(_ bytes: [UInt8], _ kc: KernelChoice) throws -> Source {
        let graph = try ModelLoading.importGraph(bytes, path: model)
        if graph.precision == .float32 {
            if net == "int8" { throw EdgeError.usage("\(model) is a float model: quantising imported models is not supported yet; use --net float") }
            let m = try ModelLoading.floatModel(graph, path: model, labels: imported.labels, preprocessing: try imported.preprocessing())
            let fn = try FloatNetwork(m.model)
            let set = try CLISupport.loadImages(images, classNames: m.model.metadata.classNames, shape: m.inputShape, strict: strict, limit: limit)
            return Source(names: m.model.metadata.classNames, set: set, logits: { ModelLoading.floatLogits(fn, m, set, $0) },
                          engine: "float net from \(graph.format == .tflite ? "TFLite" : "ONNX")", int8: nil)
        }
        if net == "float" {
            throw EdgeError.usage("\(model): float inference of imported models is not supported yet for int8 files; use --net int8 (\(ModelLoading.importedSupport))")
        }
        let m = try ModelLoading.int8Model(graph, path: model, preprocessing: try imported.preprocessing())
        let names = try ModelLoading.labels(imported.labels, graph: graph, classes: m.classes, path: model)
        let set = try CLISupport.loadImages(images, classNames: names, shape: m.inputShape, strict: strict, limit: limit)
        let qn = try IntegerNetwork(m.graph, kernels: kc)
        return Source(names: names, set: set, logits: { qn.dequantizedLogits(qn.run(set, $0).logits) },
                      engine: "int8 net from \(graph.format == .tflite ? "TFLite" : "ONNX") (TFLite Micro semantics), \(qn.isaName) kernels", int8: qn)
    }
}

/// A JSON string literal.
func jsonString(_ s: String) -> String { JSONText.quote(s) }

/// A CSV field, quoted when it holds a comma, quote or newline.
func csvField(_ s: String) -> String { XMLText.csvField(s) }
