import EdgeCore
import Foundation

/// Who made a model file and from what: the optional `PROV` section (docs/model-format.md).
/// It names the tool version, the source commit and the exact recipe — the normalised
/// command line (every option that shapes the bytes, defaults filled in) and the digest of
/// every input — so a shipped file says how to make it again. The content digest
/// (`ModelFile.contentSHA256`) leaves this section out: two builds of one recipe from
/// different commits differ here and nowhere else.
public struct Provenance: Codable, Equatable, Sendable {
    /// One input the command read, identified by a digest.
    public struct Input: Codable, Equatable, Sendable {
        /// What the input was: `model` (its content digest), `train-set`, `test-set`,
        /// `calibration` (`LabeledImages.contentSHA256` of the images as loaded).
        public var role: String
        /// The path as given on the command line, or a built-in set's name.
        public var path: String
        /// 64 lowercase hex digits.
        public var sha256: String

        /// An input record.
        public init(role: String, path: String, sha256: String) {
            self.role = role; self.path = path; self.sha256 = sha256
        }
    }

    /// The program that wrote the file ("edge-audit").
    public var tool: String
    /// Its version.
    public var toolVersion: String
    /// The git commit of the source it was built from (40 hex digits, `-dirty` when the
    /// sources differed from it), or "unknown".
    public var sourceCommit: String
    /// Where `sourceCommit` came from: "EDGE_AUDIT_SOURCE_COMMIT", "git" or "none".
    public var sourceCommitOrigin: String
    /// The normalised arguments after the tool name, output path left out, e.g.
    /// `["train", "--arch", "lenet5", "--epochs", "20", …]`.
    public var command: [String]
    /// Digests of what the command read.
    public var inputs: [Input]
    /// The float GEMM library's build (OpenBLAS's configuration string); nil when unrecorded.
    public var floatBackend: String?
    /// The kernel family it ran (OpenBLAS's core name, e.g. "Haswell"): float results differ
    /// between families, so a reproduction runs with `OPENBLAS_CORETYPE` set to this.
    public var floatKernel: String?

    /// A provenance record.
    public init(tool: String = "edge-audit", toolVersion: String, sourceCommit: String, sourceCommitOrigin: String,
                command: [String], inputs: [Input], floatBackend: String? = nil, floatKernel: String? = nil) {
        self.tool = tool; self.toolVersion = toolVersion; self.sourceCommit = sourceCommit
        self.sourceCommitOrigin = sourceCommitOrigin; self.command = command; self.inputs = inputs
        self.floatBackend = floatBackend; self.floatKernel = floatKernel
    }

    /// The section tag.
    public static let tag = "PROV"
    /// The section version this build writes and interprets; others are carried verbatim.
    public static let sectionVersion: UInt32 = 1
    /// Caps checked before anything is parsed or kept.
    public enum Limits {
        /// Largest payload.
        public static let maxBytes = 65_536
        /// Most command arguments, most inputs.
        public static let maxArguments = 128, maxInputs = 16
        /// Longest argument or path; longest tool, version, commit, role or kernel string;
        /// longest backend description.
        public static let maxArgumentBytes = 4096, maxShortBytes = 64, maxBackendBytes = 256
    }

    /// `u32 section version` then UTF-8 JSON with sorted keys.
    public func encode() throws -> [UInt8] {
        var w = ByteWriter()
        w.u32(Self.sectionVersion)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        do { w.raw(Array(try e.encode(self))) } catch { throw EdgeError.internalError("provenance encoding failed: \(error)") }
        return w.bytes
    }

    /// Parses a PROV payload at file offset `base`; nil for a section version this build
    /// does not know (the section is optional, so the model is still readable). Every
    /// failure names the file, the section and the field.
    public static func decode(_ payload: [UInt8], path: String, base: Int) throws -> Provenance? {
        func bad(_ r: String) -> EdgeError { .badModel(path: path, section: tag, offset: base, reason: r) }
        guard payload.count <= Limits.maxBytes else { throw bad("section is \(payload.count) bytes; at most \(Limits.maxBytes)") }
        var r = ByteReader(payload, path: path, section: tag, base: base)
        let v = try r.u32("section version")
        guard v == sectionVersion else { return nil }
        let p: Provenance
        do { p = try JSONDecoder().decode(Provenance.self, from: Data(payload[4...])) } catch {
            throw bad("not valid provenance JSON for section version 1: \(error)")
        }
        try p.validate(bad)
        return p
    }

    /// Field checks the JSON types alone do not make: lengths, counts, no control characters
    /// (the strings reach terminals and the reproduce script, one per line), hex digests.
    func validate(_ bad: (String) -> EdgeError) throws {
        let short = Limits.maxShortBytes
        for (field, value) in [("tool", tool), ("toolVersion", toolVersion), ("sourceCommit", sourceCommit), ("sourceCommitOrigin", sourceCommitOrigin)] {
            if let why = SafeName.problem(value, maxBytes: short) { throw bad("\(field) \(why)") }
        }
        for (field, value, cap) in [("floatBackend", floatBackend, Limits.maxBackendBytes), ("floatKernel", floatKernel, short)] {
            if let value, let why = SafeName.problem(value, maxBytes: cap) { throw bad("\(field) \(why)") }
        }
        guard !command.isEmpty, command.count <= Limits.maxArguments else {
            throw bad("command has \(command.count) arguments; 1...\(Limits.maxArguments) are allowed")
        }
        for (i, a) in command.enumerated() {
            if let why = SafeName.problem(a, maxBytes: Limits.maxArgumentBytes) { throw bad("command argument \(i) \(why)") }
        }
        guard inputs.count <= Limits.maxInputs else { throw bad("\(inputs.count) inputs; at most \(Limits.maxInputs)") }
        for (i, input) in inputs.enumerated() {
            if let why = SafeName.problem(input.role, maxBytes: short) { throw bad("input \(i) role \(why)") }
            if let why = SafeName.problem(input.path, maxBytes: Limits.maxArgumentBytes) { throw bad("input \(i) path \(why)") }
            guard Self.isDigest(input.sha256) else { throw bad("input \(i) sha256 is not 64 lowercase hex digits") }
        }
    }

    /// Whether `s` is a SHA-256 in lowercase hex.
    public static func isDigest(_ s: String) -> Bool { isHex(s, count: 64) }

    /// Whether `s` is a full git commit id (40 lowercase hex digits).
    public static func isCommit(_ s: String) -> Bool { isHex(s, count: 40) }

    static func isHex(_ s: String, count: Int) -> Bool {
        s.utf8.count == count && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}
