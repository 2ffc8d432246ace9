import EdgeModel

extension ModelDescription {
    /// The content digest and, when the file has one, its provenance, for the human listing.
    func provenanceLines() -> [String] {
        var out = ["content sha256 \(contentSHA256) (every section but PROV: what reproduce-models.sh compares)"]
        guard let p = loaded.model.provenance else {
            out.append(loaded.model.extraSections[Provenance.tag] != nil
                       ? "provenance: a PROV section of a later version (this build reads version \(Provenance.sectionVersion))"
                       : "provenance: none recorded")
            return out
        }
        out.append("provenance: \(p.tool) \(p.toolVersion), source commit \(p.sourceCommit) (from \(p.sourceCommitOrigin))")
        out.append("  made by: edge-audit " + p.command.map(Self.shellQuoted).joined(separator: " "))
        for i in p.inputs { out.append("  input \(i.role) \(i.path): sha256 \(i.sha256)") }
        if let k = p.floatKernel {
            out.append("  float kernels: OpenBLAS core \(k) (\(p.floatBackend ?? "build unknown")); reproduce with OPENBLAS_CORETYPE=\(k)")
        }
        return out
    }

    /// `inspect --provenance`: one field per line, `key value`, for scripts (every string in
    /// PROV is free of control characters, so a line never splits). Paths come last on their
    /// line so they may hold spaces.
    public func provenanceRecord() -> [String] {
        var out = ["content-sha256 \(contentSHA256)"]
        guard let p = loaded.model.provenance else { return out }
        out += ["tool \(p.tool)", "tool-version \(p.toolVersion)", "source-commit \(p.sourceCommit)", "source-commit-origin \(p.sourceCommitOrigin)"]
        out += p.command.map { "arg \($0)" }
        out += p.inputs.map { "input \($0.role) \($0.sha256) \($0.path)" }
        if let k = p.floatKernel { out.append("float-kernel \(k)") }
        if let b = p.floatBackend { out.append("float-backend \(b)") }
        return out
    }

    /// `s` as one shell word: unchanged when it holds only safe characters, else single-quoted.
    static func shellQuoted(_ s: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/=+-:,@%")
        if !s.isEmpty && s.allSatisfy(safe.contains) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
