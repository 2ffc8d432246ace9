import EdgeMetrics

/// Turns per-image records into results: the only place metrics are computed, for a whole
/// run and for merged shards alike.
public enum AuditSummary {
    /// Results of `records` for images with `classNames` under `settings`.
    public static func summarize(_ records: AuditRecords, classNames: [String], settings: AuditSettings) -> AuditResults {
        var r = AuditResults()
        r.labels = descriptions
        r.skipped = records.skipped
        if let clean = records.clean { CleanStage.summarize(clean, classNames: classNames, bins: settings.eceBins, into: &r) }
        for v in records.whole.values where v.metric.stage == "sqnr" { r[v.metric] = v.value }
        r.sqnr = records.whole.sqnr.map { ($0.layer, $0.value) }
        for a in records.attacks {
            GradientAttackStage.summarize(a, into: &r)
            AutoAttackStage.summarizeComponents(a, into: &r)
        }
        for s in records.square { SquareStage.summarize(s, into: &r) }
        if let cw = records.cw { CarliniWagnerStage.summarize(cw, into: &r) }
        CorruptionStage.summarize(records.corruptions, bins: settings.eceBins, into: &r)
        CorruptionStage.summarizeMCE(records.corruptions, baselineClean: records.baselineClean, into: &r)
        for v in records.whole.values where v.metric.stage != "sqnr" { r[v.metric] = v.value }
        if let clean = records.clean {
            var t: [Metric.Net: Double] = [:]
            for net in Metric.Net.allCases { if let v = r[.clean(net, "temperature")] { t[net] = v } }
            TemperatureStage.summarize(clean, temperatures: t, classes: classNames.count, bins: settings.eceBins, into: &r)
        }
        if let f = records.fisher { FisherStage.summarize(f, classes: classNames.count, into: &r) }
        r.layerOrder = records.whole.layerOrder
        for (k, v) in records.whole.labels { r.labels[k] = v }
        r.notes += records.whole.notes
        r.gallery = records.whole.gallery
        worstCase(records, settings: settings, into: &r)
        r.correctForMultipleComparisons()
        r.notes += MaskingChecks.notes(r, settings: settings)
        if !records.attacks.filter({ $0.attack == "autoattack" }).isEmpty && !settings.autoAttackIsStandard {
            r.notes.append("AutoAttack ran with a WEAKENED budget in profile \(settings.profile) (APGD \(settings.autoAttackSteps) steps, \(settings.autoAttackTargets) targets, FAB \(settings.autoAttackFabSteps) steps, Square \(settings.autoAttackQueries) queries; standard: 100, 9, 100, 5000): its robust accuracy is an upper bound, not AutoAttack's number; --autoattack-standard runs the standard budget")
        }
        r.notes += Verdict.sampleWarnings(r)
        return r
    }

    /// Per ε and net, the accuracy under the worst of every attack run at that ε, on the
    /// images every one of them attacked (their count is stored beside it).
    static func worstCase(_ records: AuditRecords, settings: AuditSettings, into r: inout AuditResults) {
        for eps in settings.eps {
            var float: [[Int: Bool]] = [], int8: [[Int: Bool]] = []
            for a in records.attacks where a.eps == eps {
                float.append(Dictionary(uniqueKeysWithValues: zip(a.images, a.float)))
                int8.append(Dictionary(uniqueKeysWithValues: zip(a.images, a.int8)))
                if let ste = a.ste { int8.append(Dictionary(uniqueKeysWithValues: zip(a.images, ste))) }
            }
            for s in records.square where s.eps == eps {
                int8.append(Dictionary(uniqueKeysWithValues: zip(s.images, s.fooled.map { !$0 })))
            }
            for (net, runs) in [(Metric.Net.float, float), (.int8, int8)] where runs.count >= 2 {
                var common = Set(runs[0].keys)
                for run in runs.dropFirst() { common.formIntersection(run.keys) }
                guard !common.isEmpty else { continue }
                let robust = common.filter { i in runs.allSatisfy { $0[i] ?? false } }.count
                r.setAccuracy(.attack(net, "worst_case", eps: eps, "accuracy"), successes: robust, trials: common.count)
                r[.attack(net, "worst_case", eps: eps, "images")] = Double(common.count)
            }
        }
    }

    /// What each attack number means (which net crafted, which net evaluated).
    static let descriptions: [String: String] = [
        "float.fgsm": "white-box FGSM on the float net (float inputs)",
        "float.pgd": "white-box PGD-Linf on the float net (float inputs)",
        "int8.fgsm": "transfer: FGSM crafted on the float net, snapped to the uint8 grid, evaluated on the exact int8 net",
        "int8.pgd": "transfer: PGD crafted on the float net, snapped to the uint8 grid, evaluated on the exact int8 net",
        "int8.square": "query: Square attack (Linf) calling only the exact int8 net, on the uint8 grid",
        "int8.fgsm_ste": "ste: FGSM through the int8 simulation with straight-through gradients, snapped to the uint8 grid, evaluated on the exact int8 net",
        "int8.pgd_ste": "ste: PGD through the int8 simulation with straight-through gradients, snapped to the uint8 grid, evaluated on the exact int8 net",
        "float.cw": "white-box Carlini-Wagner L2 on the float net (minimal perturbation; subset)",
        "int8.cw": "transfer: the float net's CW examples snapped to the uint8 grid and evaluated on the exact int8 net",
        "float.autoattack": "white-box AutoAttack on the float net (APGD-CE, APGD-T, FAB-T, Square; per-image worst case)",
        "int8.autoattack": "transfer: the float net's AutoAttack examples snapped to the uint8 grid, evaluated on the exact int8 net",
        "int8.autoattack_ste": "ste: AutoAttack's gradient attacks through the int8 simulation, snapped and judged by the exact int8 net; Square query-only on it",
        "float.worst_case": "per image, the worst of every attack run on the float net at this ε, over the images all of them attacked",
        "int8.worst_case": "per image, the worst of every attack run on the int8 net at this ε (transfer, ste and query), over the images all of them attacked",
        "corruption": "every corrupted image is 8-bit (as a camera delivers it) and is fed to both nets",
    ]
}
