// Differential libFuzzer target: the board runner's loader (Device/edge-run/Sources/
// ModelSections.swift and ModelLoader.swift, which restate the host rules that need
// Foundation) against the host's `QuantizedModelFile.decode`, compiled together natively
// (scripts/fuzz.sh device). Both must accept, or both must refuse with the same message,
// for every input. The first byte chooses whether checksums are verified, so that half the
// runs reach the parsers behind them. The one documented difference is allowed: the runner
// does not parse META's JSON, so a file the host refuses for its metadata may pass, or be
// refused by a check the host would have reached after the metadata.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDeviceLoader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let verify = data[0] & 1 == 0
    var host: EdgeError? = nil
    do {
        let loaded = try QuantizedModelFile.decode(bytes, path: "f", verifyChecksums: verify)
        // The runner's only use of a model is its int8 net; without one it refuses as predict does.
        if loaded.int8 == nil { host = .usage("f has no int8 network; run 'edge-audit quantize' first") }
    } catch let e as EdgeError {
        host = e
    } catch {
        fatalError("host: untyped error \(error)")
    }
    var device: EdgeError? = nil
    do throws(EdgeError) { _ = try ModelLoader.load(bytes, path: "f", verifyChecksums: verify) } catch { device = error }
    if let h = host, case let .badModel(_, section, _, _) = h, section == "META" || section == "metadata" {
        // The host stopped at the metadata, which the runner skips: the runner may accept,
        // or refuse at a later check (FWTS values, QNET), never with another exit code.
        guard let d = device else { return 0 }
        if case let .badModel(_, later, _, _) = d, later == "QNET" || later == "float-weights" { return 0 }
    }
    if host?.description != device?.description {
        fatalError("host and runner disagree:\n  host:   \(host?.description ?? "accepted")\n  runner: \(device?.description ?? "accepted")")
    }
    return 0
}
