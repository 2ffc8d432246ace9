// libFuzzer target for the TFLite importer (bounded FlatBuffers reader + schema mapping),
// compiled with the EdgeCore and EdgeImport sources by scripts/fuzz-import.sh. Any outcome
// but success or a typed ImportError is a finding; ASan reports out-of-bounds reads.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTFLiteImport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let g = try TFLiteImporter.importGraph(bytes, path: "fuzz")
        // A file that parses must give a graph an executor can trust.
        if let why = g.invariantViolation() { fatalError("inconsistent graph: \(why)") }
    } catch is ImportError {
        // Expected: a typed error.
    } catch {
        fatalError("untyped error: \(error)")
    }
    return 0
}
