import CEdgeRun

/// Usage text (also printed for `--help`).
let usage = """
    usage: edge-run [--bench] [--kernels auto|reference] MODEL.bin IMAGES.u8 > LOGITS.i8
      IMAGES.u8   N images of the model's input size, H×W×C uint8 each (HWC, no header)
      LOGITS.i8   N×K int8 logits (K classes), raw
      --bench     time each image instead of writing logits: p50, p99, images/s (at most 2^20 images)
      --kernels   auto: the fastest SIMD path this CPU has (default); reference: the scalar spec
    exit codes: 0 ok, 2 usage, 65 bad model or data, 66 missing input, 70 internal, 73 cannot write
    """

/// Most images `--bench` times (8 MB of samples): a longer file is cut there rather than
/// asking for memory a board may not have.
let maxBenchImages = 1 << 20

/// Images read from the file per read call: amortises syscalls; the buffer is allocated
/// once and holds at most `readBufferBytes` (or one image, if larger), so a model with a
/// large input does not ask a small board for 64 of them.
let imagesPerRead = 64
let readBufferBytes = 1 << 20

/// Parsed command line.
struct Options {
    /// Time each image instead of writing logits.
    var bench = false
    /// Run the scalar reference kernels instead of the fastest SIMD path.
    var reference = false
    /// MODEL.bin and IMAGES.u8.
    var model = "", images = ""
}

/// The C entry point, called by the shim's `main`. Errors are printed with the host's
/// wording and mapped to the host's exit codes; nothing on a bad input traps.
@_cdecl("edge_run_main")
func edgeRunMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let opts: Options
    do throws(EdgeError) {
        guard let o = try parseArguments(argc, argv) else {
            _ = Console.out(usage + "\n")
            return 0
        }
        opts = o
    } catch {
        Console.error("edge-run: \(error.description)")
        Console.error(usage)
        return error.exitCode
    }
    do throws(EdgeError) {
        try run(opts)
        return 0
    } catch {
        Console.error("edge-run: \(error.description)")
        return error.exitCode
    }
}

/// The options, or nil for `--help`; anything else that is not understood is a usage error (exit 2).
func parseArguments(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) throws(EdgeError) -> Options? {
    var args: [String] = []
    if let argv {
        for i in 1..<max(Int(argc), 1) {
            guard let p = argv[i] else { continue }
            args.append(String(cString: p))
        }
    }
    var o = Options()
    var positional: [String] = []
    var i = 0
    while i < args.count {
        let a = args[i]
        if a == "--help" || a == "-h" { return nil }
        if a == "--bench" {
            o.bench = true
        } else if a == "--kernels" {
            guard i + 1 < args.count else { throw EdgeError.usage("--kernels needs a value") }
            i += 1
            if args[i] == "reference" { o.reference = true } else if args[i] != "auto" {
                throw EdgeError.usage("--kernels must be auto or reference, got '\(args[i])'")
            }
        } else if a.utf8.first == 0x2D && a.utf8.count > 1 {
            throw EdgeError.usage("unknown option '\(a)'")
        } else {
            positional.append(a)
        }
        i += 1
    }
    guard positional.count == 2 else { throw EdgeError.usage("expected MODEL.bin and IMAGES.u8, got \(positional.count) arguments") }
    o.model = positional[0]
    o.images = positional[1]
    return o
}

/// Loads, plans, and streams the images through the engine.
func run(_ o: Options) throws(EdgeError) {
    let loaded = try loadModel(o.model)
    let engine = try Engine(loaded.net, isa: o.reference ? Int32(EA_ISA_SCALAR) : ea_isa_best(), path: o.model)
    let images = try InputFile(o.images)
    let imageBytes = engine.imageBytes
    guard images.size % imageBytes == 0 else {
        let s = loaded.inputShape
        throw EdgeError.badData(path: o.images, reason: "\(images.size) bytes is not a whole number of \(s[1])×\(s[2])×\(s[0]) images (\(imageBytes) bytes each)")
    }
    let count = o.bench ? min(images.size / imageBytes, maxBenchImages) : images.size / imageBytes
    let k = engine.classes
    let batch = max(1, min(imagesPerRead, count, readBufferBytes / imageBytes))
    let pixels = UnsafeMutablePointer<UInt8>.allocate(capacity: batch * imageBytes)
    let logits = UnsafeMutablePointer<Int8>.allocate(capacity: batch * k)
    defer { pixels.deallocate(); logits.deallocate() }
    var times = o.bench ? [UInt64](repeating: 0, count: count) : []
    let started = er_now_ns()
    var done = 0
    while done < count {
        let m = min(batch, count - done)
        guard images.read(into: pixels, count: m * imageBytes) else {
            throw EdgeError.badData(path: o.images, reason: "short read at image \(done) (file changed while reading?)")
        }
        for j in 0..<m {
            if o.bench {
                let t0 = er_now_ns()
                engine.run(pixels + j * imageBytes, logits + j * k)
                times[done + j] = er_now_ns() - t0
            } else {
                engine.run(pixels + j * imageBytes, logits + j * k)
            }
        }
        if !o.bench {
            guard Console.out(logits, count: m * k) else { throw EdgeError.cannotWrite(path: "<stdout>", reason: "write failed") }
        }
        done += m
    }
    let total = er_now_ns() - started
    if o.bench { try report(times, total: total, isa: engine.isa, heap: er_heap_in_use()) }
}

/// Reads and validates the model; the file's bytes are released on return, leaving only
/// the decoded int8 graph (and, next, its packed plans) in memory.
func loadModel(_ path: String) throws(EdgeError) -> ModelLoader.Loaded {
    let f = try InputFile(path)
    return try ModelLoader.load(try f.readAll(limit: 512 << 20), path: path)
}

/// Prints the latency summary: per-image p50 and p99 (nearest rank), images/s over the run,
/// and the heap in use while running (the plans, buffers and the decoded graph).
func report(_ samples: [UInt64], total: UInt64, isa: Int32, heap: Int) throws(EdgeError) {
    var t = samples
    t.sort()
    func rank(_ p: Int) -> UInt64 { t.isEmpty ? 0 : t[min(t.count - 1, max(0, (p * t.count + 99) / 100 - 1))] }
    let rate = total == 0 ? 0 : UInt64(t.count) * 1_000_000_000 * 10 / total
    let isaName = String(cString: ea_isa_name(isa))
    let line = "images \(t.count)  kernels \(isaName)  p50 \(Console.fixed(rank(50) / 1000, decimals: 3)) ms  p99 \(Console.fixed(rank(99) / 1000, decimals: 3)) ms  \(Console.fixed(rate, decimals: 1)) images/s  heap \((heap + 1023) / 1024) KiB\n"
    guard Console.out(line) else { throw EdgeError.cannotWrite(path: "<stdout>", reason: "write failed") }
}
