import EdgeAudit
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeImportQuant
import EdgeModel
import EdgeQuant
import Foundation

/// `bench`: throughput on batches, then batch-1 latency percentiles. Pixel content does not
/// change the work done, so the inputs are a seeded random set.
public enum Benchmark {
    /// One measurement.
    public struct Result: Sendable {
        /// The engine measured, for the report line ("int8 (avx2)").
        public var engine: String
        /// Multiply-accumulates per image.
        public var macs: Int
        /// Images per throughput call.
        public var batch: Int
        /// Images per second over the throughput run.
        public var imagesPerSecond: Double
        /// Batch-1 latencies in µs, sorted ascending (at least 100 runs).
        public var latencies: [Double]

        /// A measurement; `latencies` must be sorted and not empty.
        public init(engine: String, macs: Int, batch: Int, imagesPerSecond: Double, latencies: [Double]) {
            self.engine = engine
            self.macs = macs
            self.batch = batch
            self.imagesPerSecond = imagesPerSecond
            self.latencies = latencies
        }

        /// The latency at fraction `p` of the sorted runs (nearest rank, rounded down).
        public func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count - 1) * p))] }

        /// The three lines `bench` prints for `model` at `threads` workers.
        public func lines(model: String, threads: Int) -> [String] {
            ["model \(model), \(engine), \(threads) thread(s), \(macs) MACs per image",
             String(format: "batch %d: %.0f images/s, %.3f G MAC/s", batch, imagesPerSecond, imagesPerSecond * Double(macs) / 1e9),
             String(format: "batch 1 latency: p50 %.1f µs, p90 %.1f µs, p99 %.1f µs (%d runs)", percentile(0.5), percentile(0.9), percentile(0.99), latencies.count)]
        }
    }

    /// Benchmarks the float net, or with `int8` the integer net, of a model.bin read from `path`.
    public static func modelBin(_ loaded: LoadedModel, path: String, int8: Bool, batch n: Int, kernels: KernelChoice,
                                seconds: Double) throws -> Result {
        let m = loaded.model
        let shapes = try m.validate(path: path)
        try MemoryBudget.check(estimate: AuditMemory.estimateInference(m.graph, images: max(n, 1)), what: "benchmarking a batch of \(n)")
        let set = randomImages(shape: m.graph.inputShape, count: n, classNames: m.metadata.classNames)
        if int8 {
            guard let q = loaded.int8 else { throw EdgeError.usage("\(path) has no int8 network; run 'edge-audit quantize' first") }
            let qn = try IntegerNetwork(q, kernels: kernels)
            let (t, l) = measure(batch: n, seconds: seconds) { idx in _ = qn.run(set, idx) }
            return Result(engine: "int8 (\(qn.isaName)\(qn.splitNote))", macs: q.macs, batch: n, imagesPerSecond: t, latencies: l)
        }
        let fn = try FloatNetwork(m)
        let (t, l) = measure(batch: n, seconds: seconds) { idx in _ = fn.forward(set.floatBatch(idx).data, batch: idx.count) }
        return Result(engine: "float (OpenBLAS sgemm)", macs: m.graph.macs(shapes: shapes).reduce(0, +), batch: n, imagesPerSecond: t, latencies: l)
    }

    /// Benchmarks an imported int8 model on the integer engine; `format` names the file kind.
    public static func imported(_ m: ImportedInt8Model, format: String, batch n: Int, kernels: KernelChoice, seconds: Double) throws -> Result {
        let s = m.inputShape
        try MemoryBudget.check(estimate: n * s.reduce(1, *) * 2 + (64 << 20), what: "benchmarking batches of \(n)")
        let set = randomImages(shape: s, count: n, classNames: (0..<m.classes).map { "\($0)" })
        let qn = try IntegerNetwork(m.graph, kernels: kernels)
        let (t, l) = measure(batch: n, seconds: seconds) { _ = qn.run(set, $0) }
        return Result(engine: "int8 from \(format) (\(qn.isaName), TFLite Micro semantics\(qn.splitNote))", macs: m.graph.macs, batch: n,
                      imagesPerSecond: t, latencies: l)
    }

    /// `count` images of `shape` (C, H, W) with pixels from the seeded generator (seed 1).
    public static func randomImages(shape s: [Int], count n: Int, classNames: [String]) -> LabeledImages {
        var g = SeededGenerator(seed: 1)
        let px = (0..<(n * s[0] * s[1] * s[2])).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        return LabeledImages(channels: s[0], height: s[1], width: s[2], pixels: px, labels: [Int](repeating: 0, count: n),
                             classNames: classNames, sources: [String](repeating: "", count: n))
    }

    /// Throughput over `seconds` on batches of `n` (after one warm-up call: plans, caches,
    /// page faults), then batch-1 latencies in µs, sorted: at least 100 runs and at least
    /// `seconds`, at most 200,000.
    public static func measure(batch n: Int, seconds: Double, _ runBatch: ([Int]) -> Void) -> (Double, [Double]) {
        let all = Array(0..<n)
        runBatch(all)
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
}
