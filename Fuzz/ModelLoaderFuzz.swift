// libFuzzer target for the model loader, compiled together with the EdgeCore, EdgeModel and
// EdgeQuant parsing sources (scripts/fuzz.sh). The first input byte chooses whether the
// checksums are verified: many real loader bugs need a file that passes the checksum but
// is inconsistent, so half the runs go straight to the parsers.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelLoader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let verify = data[0] & 1 == 0
    do {
        _ = try QuantizedModelFile.decode(bytes, path: "fuzz", verifyChecksums: verify)
    } catch is EdgeError {
        // Expected: a typed error.
    } catch {
        fatalError("untyped error: \(error)")
    }
    return 0
}
