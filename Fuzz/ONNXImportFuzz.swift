// libFuzzer target for the ONNX importer (wire-format prescan, swift-protobuf decoding with
// a depth limit, graph mapping), compiled with the EdgeCore and EdgeImport sources against
// a SwiftProtobuf built with the same sanitizers by scripts/fuzz-import.sh.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNXImport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let g = try ONNXImporter.importGraph(bytes, path: "fuzz")
        // A file that parses must give a graph an executor can trust.
        if let why = g.invariantViolation() { fatalError("inconsistent graph: \(why)") }
    } catch is ImportError {
        // Expected: a typed error.
    } catch {
        fatalError("untyped error: \(error)")
    }
    return 0
}
