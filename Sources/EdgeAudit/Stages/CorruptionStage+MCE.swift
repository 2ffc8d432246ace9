import EdgeCorruptions

extension CorruptionStage {
    /// ImageNet-C's CE per corruption, mCE and relative mCE of each net, normalised by the
    /// baseline model's errors on the same corrupted images (Hendrycks & Dietterich 2019).
    static func summarizeMCE(_ recs: [AuditRecords.Corruption], baselineClean: AuditRecords.BaselineClean?, into r: inout AuditResults) {
        guard let bc = baselineClean, !bc.correct.isEmpty, recs.allSatisfy({ $0.baselineCorrect != nil }) else { return }
        func error(_ v: [Bool]) -> Double { 1 - Double(v.filter { $0 }.count) / Double(max(v.count, 1)) }
        var baseline: [Corruption: [Double]] = [:]
        var model: [Metric.Net: [Corruption: [Double]]] = [.float: [:], .int8: [:]]
        for rec in recs.sorted(by: { $0.level < $1.level }) {
            guard let c = Corruption(rawValue: rec.kind) else { continue }
            baseline[c, default: []].append(error(rec.baselineCorrect ?? []))
            model[.float]![c, default: []].append(error(rec.floatCorrect))
            model[.int8]![c, default: []].append(error(rec.int8Correct))
        }
        for net in Metric.Net.allCases {
            guard let acc = r[.clean(net, "accuracy")], let table = model[net] else { continue }
            do {
                let s = try CorruptionError.score(model: table, modelClean: 1 - acc, baseline: baseline, baselineClean: error(bc.correct))
                for (c, v) in s.ce { r[.corruptionSummary(net, c.rawValue, "ce")] = v }
                r[.corruptionSummary(net, nil, "mce")] = s.mCE
                if let rel = s.relativeMCE { r[.corruptionSummary(net, nil, "relative_mce")] = rel }
            } catch {
                r.notes.append("mCE of the \(net.rawValue) net not computed: \(error)")
                return
            }
        }
    }
}
