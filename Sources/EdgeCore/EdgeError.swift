// Also compiled into the board runner (Device/edge-run, Embedded Swift; scripts/build-device.sh):
// keep this file free of Foundation and of untyped `throws`.

/// Every failure edge-audit reports, typed so that the CLI can map it to an exit code and
/// tests can assert on the exact field that was wrong.
public enum EdgeError: Error, Equatable, CustomStringConvertible {
    /// A flag or argument combination that makes no sense (exit 2).
    case usage(String)
    /// A file or folder the user named does not exist or cannot be opened (exit 66).
    case missingInput(path: String, reason: String)
    /// A model file that is malformed: names the section and the byte offset (exit 65; an
    /// offset below 0 means the format gives none, e.g. a mapping failure after import).
    case badModel(path: String, section: String, offset: Int, reason: String)
    /// Image or dataset bytes that cannot be decoded or do not fit the model (exit 65).
    case badData(path: String, reason: String)
    /// A write that failed (disk full, permissions) (exit 73, sysexits' CANTCREAT).
    case cannotWrite(path: String, reason: String)
    /// A broken invariant inside edge-audit itself (exit 70).
    case internalError(String)
    /// The work would need more memory than the process may use (exit 70, checked before
    /// the work starts).
    case outOfMemory(String)

    /// The process exit code the CLI uses for this error (sysexits-style).
    public var exitCode: Int32 {
        switch self {
        case .usage: return 2
        case .missingInput: return 66
        case .badModel, .badData: return 65
        case .cannotWrite: return 73
        case .internalError, .outOfMemory: return 70
        }
    }

    /// A one-line message naming the file and what was wrong.
    public var description: String {
        switch self {
        case .usage(let m): return "usage error: \(m)"
        case .missingInput(let p, let r): return "\(p): \(r)"
        case .badModel(let p, let s, let o, let r): return "\(p): bad model, section '\(s)'\(o >= 0 ? " at byte \(o)" : ""): \(r)"
        case .badData(let p, let r): return "\(p): \(r)"
        case .cannotWrite(let p, let r): return "\(p): cannot write: \(r)"
        case .internalError(let m): return "internal error: \(m)"
        case .outOfMemory(let m): return "not enough memory: \(m)"
        }
    }
}
