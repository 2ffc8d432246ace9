// libFuzzer target for the ONNX importer (wire-format prescan, swift-protobuf decoding with
// a depth limit, graph mapping), compiled with the EdgeCore and EdgeImport sources against
// a SwiftProtobuf built with the same sanitizers by scripts/fuzz-import.sh.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNXImport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        _ = try ONNXImporter.importGraph(bytes, path: "fuzz")
    } catch is ImportError {
        // Expected: a typed error.
    } catch {
        fatalError("untyped error: \(error)")
    }
    return 0
}
