import EdgeCore

/// Combines the record files of `--shard 1/N … N/N` runs into the records of the unsharded
/// run: per-image arrays are concatenated and sorted by image; whole-sample figures (SQNR, MI,
/// gallery) come from shard 1, which computed them on the unsharded run's sample.
public enum AuditMerge {
    /// Merges shard files (any order) after checking they are the N shards of one run.
    public static func merge(_ files: [(path: String, file: ShardFile)]) throws -> ShardFile {
        guard let first = files.first else { throw EdgeError.usage("merge needs at least one shard folder") }
        let n = first.file.shard.count
        var seen: [Int: String] = [:]
        for (path, f) in files {
            func differ(_ field: String) -> EdgeError {
                .badData(path: path, reason: "field \(field) differs from \(first.path): these shards are not of one run")
            }
            guard f.shard.count == n else { throw differ("shard (of \(f.shard.count) vs \(n))") }
            guard f.modelSHA256 == first.file.modelSHA256 else { throw differ("modelSHA256") }
            guard f.settings == first.file.settings else { throw differ("settings") }
            guard f.imageCount == first.file.imageCount, f.classNames == first.file.classNames else { throw differ("imageCount/classNames") }
            guard f.calibration == first.file.calibration else { throw differ("calibration") }
            if let other = seen[f.shard.index] { throw EdgeError.badData(path: path, reason: "shard \(f.shard.text) is also in \(other)") }
            seen[f.shard.index] = path
        }
        let missing = (1...n).filter { seen[$0] == nil }
        guard missing.isEmpty else {
            throw EdgeError.usage("merge is missing shard(s) \(missing.prefix(10).map { "\($0)/\(n)" }.joined(separator: ", ")) of \(n)")
        }
        let ordered = files.map(\.file).sorted { $0.shard.index < $1.shard.index }
        var out = ordered[0]
        out.shard = .whole
        out.records = try mergeRecords(ordered.map(\.records), classes: first.file.classNames.count)
        var t: [String: Double] = [:]
        for f in ordered { for (k, v) in f.timings { t[k, default: 0] += v } }
        out.timings = t
        return out
    }

    /// The union of shard records, each per-image array in image order.
    static func mergeRecords(_ parts: [AuditRecords], classes k: Int) throws -> AuditRecords {
        var r = AuditRecords()
        let cleans = parts.compactMap(\.clean)
        if !cleans.isEmpty {
            var c = AuditRecords.Clean()
            for p in cleans { c.images += p.images; c.labels += p.labels; c.float += p.float; c.int8 += p.int8 }
            let o = order(c.images)
            c = AuditRecords.Clean(images: o.map { c.images[$0] }, labels: o.map { c.labels[$0] },
                                   float: rows(c.float, o, k), int8: rows(c.int8, o, k))
            r.clean = c
        }
        for a0 in parts[0].attacks {
            var a = AuditRecords.Attack(attack: a0.attack, eps: a0.eps)
            var ste: [Bool]? = a0.ste == nil ? nil : []
            for p in parts { for x in p.attacks where x.attack == a0.attack && x.eps == a0.eps {
                a.images += x.images; a.labels += x.labels; a.float += x.float; a.int8 += x.int8
                a.linf += x.linf; a.l2 += x.l2; if ste != nil { ste! += x.ste ?? [] }
                if let t = x.robustAfter { a.robustAfter = (a.robustAfter ?? [:]).merging(t, uniquingKeysWith: +) }
            } }
            let o = order(a.images)
            r.attacks.append(AuditRecords.Attack(attack: a.attack, eps: a.eps, images: o.map { a.images[$0] }, labels: o.map { a.labels[$0] },
                                                 float: o.map { a.float[$0] }, int8: o.map { a.int8[$0] }, ste: ste.map { s in o.map { s[$0] } },
                                                 linf: o.map { a.linf[$0] }, l2: o.map { a.l2[$0] }, robustAfter: a.robustAfter))
        }
        for s0 in parts[0].square {
            var s = AuditRecords.Square(eps: s0.eps)
            for p in parts { for x in p.square where x.eps == s0.eps { s.images += x.images; s.fooled += x.fooled; s.queries += x.queries } }
            let o = order(s.images)
            r.square.append(AuditRecords.Square(eps: s.eps, images: o.map { s.images[$0] }, fooled: o.map { s.fooled[$0] }, queries: o.map { s.queries[$0] }))
        }
        let cws = parts.compactMap(\.cw)
        if !cws.isEmpty {
            var c = AuditRecords.CW()
            for x in cws { c.images += x.images; c.cleanCorrect += x.cleanCorrect; c.floatFooled += x.floatFooled; c.int8Fooled += x.int8Fooled; c.l2 += x.l2 }
            let o = order(c.images)
            r.cw = AuditRecords.CW(images: o.map { c.images[$0] }, cleanCorrect: o.map { c.cleanCorrect[$0] }, floatFooled: o.map { c.floatFooled[$0] },
                                   int8Fooled: o.map { c.int8Fooled[$0] }, l2: o.map { c.l2[$0] })
        }
        for c0 in parts[0].corruptions {
            var c = AuditRecords.Corruption(kind: c0.kind, level: c0.level, parameterName: c0.parameterName, parameter: c0.parameter)
            for p in parts { for x in p.corruptions where x.kind == c0.kind && x.level == c0.level {
                c.images += x.images; c.floatConfidence += x.floatConfidence; c.floatCorrect += x.floatCorrect
                c.int8Confidence += x.int8Confidence; c.int8Correct += x.int8Correct
                if let b = x.baselineCorrect { c.baselineCorrect = (c.baselineCorrect ?? []) + b }
            } }
            let o = order(c.images)
            c.images = o.map { c.images[$0] }
            c.floatConfidence = o.map { c.floatConfidence[$0] }; c.floatCorrect = o.map { c.floatCorrect[$0] }
            c.int8Confidence = o.map { c.int8Confidence[$0] }; c.int8Correct = o.map { c.int8Correct[$0] }
            if let b = c.baselineCorrect { c.baselineCorrect = o.map { b[$0] } }
            r.corruptions.append(c)
        }
        let bcs = parts.compactMap(\.baselineClean)
        if !bcs.isEmpty {
            var images: [Int] = [], correct: [Bool] = []
            for b in bcs { images += b.images; correct += b.correct }
            let o = order(images)
            r.baselineClean = AuditRecords.BaselineClean(images: o.map { images[$0] }, correct: o.map { correct[$0] })
        }
        let fs = parts.compactMap(\.fisher)
        if !fs.isEmpty { r.fisher = mergeFisher(fs, classes: k) }
        r.whole = parts[0].whole
        for p in parts { for (k, v) in p.skipped { r.skipped[k] = v } }
        // A stage reported as skipped by shard 1 (e.g. "fewer than 2 images") stays skipped;
        // one that simply had no batch in some shard is not.
        return r
    }

    /// Fisher records of every shard, in image order.
    static func mergeFisher(_ fs: [AuditRecords.Fisher], classes k: Int) -> AuditRecords.Fisher {
        var f = AuditRecords.Fisher()
        for x in fs {
            f.images += x.images; f.labels += x.labels
            f.floatSpectral += x.floatSpectral; f.floatFrobenius += x.floatFrobenius; f.floatLogP += x.floatLogP
            f.int8Spectral += x.int8Spectral; f.int8Frobenius += x.int8Frobenius; f.int8LogP += x.int8LogP
        }
        let o = order(f.images)
        func rowsD(_ v: [Double]) -> [Double] { v.isEmpty ? [] : o.flatMap { v[($0 * k)..<($0 * k + k)] } }
        func pick(_ v: [Double]) -> [Double] { v.isEmpty ? [] : o.map { v[$0] } }
        return AuditRecords.Fisher(images: o.map { f.images[$0] }, labels: o.map { f.labels[$0] },
                                   floatSpectral: pick(f.floatSpectral), floatFrobenius: pick(f.floatFrobenius), floatLogP: rowsD(f.floatLogP),
                                   int8Spectral: pick(f.int8Spectral), int8Frobenius: pick(f.int8Frobenius), int8LogP: rowsD(f.int8LogP))
    }

    /// The permutation that sorts `images`; a repeated image means overlapping shards.
    static func order(_ images: [Int]) -> [Int] { images.indices.sorted { images[$0] < images[$1] } }

    /// Rows of a row-major [_, k] array in `order`.
    static func rows(_ v: [Float], _ order: [Int], _ k: Int) -> [Float] { order.flatMap { v[($0 * k)..<($0 * k + k)] } }
}
