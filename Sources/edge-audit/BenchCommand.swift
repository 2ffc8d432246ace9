import ArgumentParser
import EdgeAudit
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import Foundation

/// `edge-audit bench`: inference throughput and latency.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmark inference: images/s, latency, G MAC/s.")

    @Argument(help: "model.bin, or an int8 .tflite (the format is told by the file's content).") var model: String
    @Option(help: "float or int8.") var net = "int8"
    @Option(help: "Images per call for the throughput run.") var batch = 256
    @Option(help: "int8 kernels: auto or reference.") var kernels = "auto"
    @Option(help: "Seconds to spend on each measurement.") var seconds: Double = 2
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        guard net == "float" || net == "int8" else { throw EdgeError.usage("--net must be float or int8") }
        guard batch >= 1, batch <= 65536 else { throw EdgeError.usage("--batch must be in 1...65536") }
        guard seconds > 0, seconds <= 600 else { throw EdgeError.usage("--seconds must be in (0, 600]") }
        guard let kc = KernelChoice(rawValue: kernels) else { throw EdgeError.usage("--kernels must be auto or reference") }
        let (bytes, detected) = try ModelLoading.read(model)
        if detected == .tflite || detected == .onnx { return try benchImported(bytes, kc) }
        let loaded = try QuantizedModelFile.decode(bytes, path: model)
        let m = loaded.model
        let shapes = try m.validate(path: model)
        let s = m.graph.inputShape
        try MemoryBudget.check(estimate: AuditMemory.estimateInference(m.graph, images: max(batch, 1)),
                               what: "benchmarking a batch of \(batch)")
        // Pixel content does not change the work done; a seeded random set is enough.
        var g = SeededGenerator(seed: 1)
        let n = max(batch, 1)
        let px = (0..<(n * s[0] * s[1] * s[2])).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        let set = LabeledImages(channels: s[0], height: s[1], width: s[2], pixels: px, labels: [Int](repeating: 0, count: n),
                                classNames: m.metadata.classNames, sources: [String](repeating: "", count: n))
        let macs: Int
        let runBatch: ([Int]) -> Void
        var engine = "float (OpenBLAS sgemm)"
        if net == "int8" {
            guard let q = loaded.int8 else { throw EdgeError.usage("\(model) has no int8 network; run 'edge-audit quantize' first") }
            let qn = try IntegerNetwork(q, kernels: kc)
            engine = "int8 (\(qn.isaName))"
            macs = q.macs
            runBatch = { idx in _ = qn.run(set, idx) }
        } else {
            let fn = try FloatNetwork(m)
            macs = m.graph.macs(shapes: shapes).reduce(0, +)
            runBatch = { idx in _ = fn.forward(set.floatBatch(idx).data, batch: idx.count) }
        }
        let (tput, lat) = measure(n, runBatch)
        report(engine: engine, macs: macs, n: n, tput: tput, lat: lat)
    }

    /// Throughput over `seconds` on batches of `n`, then batch-1 latencies (µs, sorted).
    func measure(_ n: Int, _ runBatch: ([Int]) -> Void) -> (Double, [Double]) {
        let all = Array(0..<n)
        runBatch(all)  // warm-up: plans, caches, page faults
        var images = 0
        let t0 = Date()
        while Date().timeIntervalSince(t0) < seconds { runBatch(all); images += n }
        let tput = Double(images) / Date().timeIntervalSince(t0)
        var lat: [Double] = []
        let t1 = Date()
        var i = 0
        while Date().timeIntervalSince(t1) < seconds || lat.count < 100 {
            let a = Date()
            runBatch([i % n])
            lat.append(Date().timeIntervalSince(a) * 1e6)
            i += 1
            if lat.count >= 200_000 { break }
        }
        lat.sort()
        return (tput, lat)
    }

    /// Prints the engine, throughput and latency percentiles.
    func report(engine: String, macs: Int, n: Int, tput: Double, lat: [Double]) {
        func pct(_ p: Double) -> Double { lat[min(lat.count - 1, Int(Double(lat.count - 1) * p))] }
        print("model \(model), \(engine), \(Parallel.threads) thread(s), \(macs) MACs per image")
        print(String(format: "batch %d: %.0f images/s, %.3f G MAC/s", n, tput, tput * Double(macs) / 1e9))
        print(String(format: "batch 1 latency: p50 %.1f µs, p90 %.1f µs, p99 %.1f µs (%d runs)", pct(0.5), pct(0.9), pct(0.99), lat.count))
    }

    /// An imported int8 TFLite model on the integer engine (random pixels: content does not
    /// change the work).
    func benchImported(_ bytes: [UInt8], _ kc: KernelChoice) throws {
        let graph = try ModelLoading.importGraph(bytes, path: model)
        guard net == "int8" else {
            throw EdgeError.usage("\(model): float inference of imported models is not supported yet; use --net int8 (\(ModelLoading.importedSupport))")
        }
        let m = try ModelLoading.int8Model(graph, path: model, preprocessing: nil)
        let s = m.inputShape, n = batch
        try MemoryBudget.check(estimate: n * s.reduce(1, *) * 2 + (64 << 20), what: "benchmarking batches of \(n)")
        var g = SeededGenerator(seed: 1)
        let px = (0..<(n * s[0] * s[1] * s[2])).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        let set = LabeledImages(channels: s[0], height: s[1], width: s[2], pixels: px, labels: [Int](repeating: 0, count: n),
                                classNames: (0..<m.classes).map { "\($0)" }, sources: [String](repeating: "", count: n))
        let qn = try IntegerNetwork(m.graph, kernels: kc)
        let (tput, lat) = measure(n, { _ = qn.run(set, $0) })
        report(engine: "int8 from \(graph.format == .tflite ? "TFLite" : "ONNX") (\(qn.isaName), TFLite Micro semantics)", macs: m.graph.macs, n: n, tput: tput, lat: lat)
    }
}
