import ArgumentParser
import EdgeAttacks
import EdgeAudit
import EdgeCore
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import Foundation

/// `edge-audit attack`: one attack, on the float or the int8 net, per ε.
struct Attack: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "FGSM, PGD, CW or Square on the float or int8 net.")

    @Argument(help: "model.bin") var model: String
    @Option(help: "Images in class folders.") var images: String
    @Option(help: "fgsm, pgd, mifgsm, apgd-ce, apgd-dlr, apgd-t (Auto-PGD, Croce & Hein 2020), fab-t, autoattack (standard: APGD-CE, APGD-T, FAB-T, Square), cw, ddn, deepfool or square.") var attack = "pgd"
    @Option(help: "Comma-separated radii (L∞ or L2 per --norm; for cw: L2 thresholds for robust accuracy).") var eps = "0.1"
    @Option(help: "linf or l2 (pgd).") var norm = "linf"
    @Option(help: "PGD steps.") var steps = 40
    @Option(help: "PGD step size (default 2.5·ε/steps).") var stepSize: Double?
    @Option(help: "PGD random restarts.") var restarts = 1
    @Option(help: "CW Adam steps per binary-search round.") var maxSteps = 100
    @Option(help: "CW binary-search rounds over c.") var searchSteps = 5
    @Option(help: "CW confidence κ.") var kappa = 0.0
    @Option(help: "Square-attack queries per image.") var queries = 1000
    @Option(help: "float or int8.") var net = "float"
    @Option(help: "For --net int8: transfer (crafted on float), ste (straight-through through the quantisation simulation) or query (square).") var mode = "transfer"
    @Flag(help: "Targeted: aim every image at class (label + 1) mod K.") var targeted = false
    @Option(help: "Use at most N images (evenly spread).") var limit: Int?
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: "Write the adversarial images (uint8 grid, lossless PNG) in class folders here.") var saveAdversarial: String?
    @Option(help: "table or json.") var format = "table"
    @Option(help: "Calibration images when the model has no int8 net.") var calibration = "calibration/fashion-mnist"
    @OptionGroup var compute: ComputeOptions

    struct Row {
        var eps: Double
        var accuracy = 0.0, success = 0.0, meanLinf = 0.0, medianLinf = 0.0, meanL2 = 0.0, medianL2 = 0.0, queries = 0.0, seconds = 0.0
        /// Time spent crafting on the attacked net alone (excludes the transfer matrix).
        var craftSeconds = 0.0
        var matrix: [String: Double] = [:]
        var note: String? = nil
        /// AutoAttack: robust images after each component, with its budget (JSON).
        var breakdown: String? = nil
    }

    func run() throws {
        try compute.apply()
        guard Self.attacks.contains(attack) else { throw EdgeError.usage("--attack must be one of " + Self.attacks.joined(separator: ", ")) }
        if (attack.hasPrefix("apgd") || Self.added.contains(attack)) && targeted { throw EdgeError.usage("--targeted is not offered for --attack \(attack) (use pgd or cw)") }
        guard let nm = AttackNorm(rawValue: norm) else { throw EdgeError.usage("--norm must be linf or l2") }
        guard net == "float" || net == "int8" else { throw EdgeError.usage("--net must be float or int8") }
        guard ["transfer", "ste", "query"].contains(mode) else { throw EdgeError.usage("--mode must be transfer, ste or query") }
        guard format == "table" || format == "json" else { throw EdgeError.usage("--format must be table or json") }
        if attack == "square" && (net != "int8" || mode != "query") { throw EdgeError.usage("the Square attack runs only as --net int8 --mode query") }
        if mode == "query" && attack != "square" && net == "int8" { throw EdgeError.usage("--mode query needs --attack square") }
        if targeted && attack == "square" { throw EdgeError.usage("--targeted applies to fgsm, pgd and cw; the Square attack is untargeted") }
        if nm == .l2 && !Self.l2Capable.contains(attack) { throw EdgeError.usage("--norm l2 applies to pgd, apgd-ce, apgd-t, fab-t and autoattack (fgsm, mifgsm and square are L∞; cw, ddn and deepfool are L2)") }
        guard steps >= 1, restarts >= 1, maxSteps >= 1, searchSteps >= 1, queries >= 1 else { throw EdgeError.usage("steps, restarts and queries must be positive") }
        let epsList = try eps.split(separator: ",").map { s -> Double in
            guard let v = Double(s.trimmingCharacters(in: .whitespaces)), v >= 0, v <= (nm == .l2 || Self.minimalL2.contains(attack) ? 100 : 1) else {
                throw EdgeError.usage("--eps: '\(s)' is not a valid radius")
            }
            return v
        }
        guard !epsList.isEmpty else { throw EdgeError.usage("--eps is empty") }
        guard steps <= 100_000, restarts <= 1000, maxSteps <= 100_000, searchSteps <= 64, queries <= 1_000_000 else {
            throw EdgeError.usage("steps ≤ 100000, restarts ≤ 1000, --max-steps ≤ 100000, --search-steps ≤ 64, --queries ≤ 1000000")
        }
        if let stepSize { guard stepSize.isFinite, stepSize > 0, stepSize <= 100 else { throw EdgeError.usage("--step-size must be a finite number in (0, 100], got \(stepSize)") } }
        guard kappa.isFinite, kappa >= 0, kappa <= 1e6 else { throw EdgeError.usage("--kappa must be a finite number ≥ 0, got \(kappa)") }
        if let limit { guard limit > 0 else { throw EdgeError.usage("--limit must be positive, got \(limit)") } }
        if let dir = saveAdversarial {
            try CLISupport.checkDisjoint(output: dir, input: images)
            if let k = FileKind.of(dir, followSymlinks: false), k != .directory {
                throw EdgeError.cannotWrite(path: dir, reason: "it is \(k.phrase); --save-adversarial must name a folder")
            }
        }
        let (float, int8, set, loaded) = try CLISupport.loadNets(model, images: images, calibration: calibration, limit: limit, command: "attack")
        // The added attacks skip the transfer matrix on the float net (AutoAttack at its full
        // budget is too slow to run twice); on the int8 net they craft on the simulation.
        let ste: FloatNetwork? = (net == "int8" && mode == "ste") || (attack != "square" && !(Self.added.contains(attack) && net == "float"))
            ? try StraightThrough.network(loaded.model, int8.graph) : nil
        let k = float.classes, d = set.imageSize, n = set.count
        if attack == "apgd-t" && k < 4 { throw EdgeError.usage("APGD-T's targeted DLR loss needs at least 4 classes (the model has \(k))") }
        if attack == "apgd-dlr" && k < 3 { throw EdgeError.usage("the DLR loss needs at least 3 classes (the model has \(k)); use apgd-ce") }
        let targets: [Int]? = targeted ? set.labels.map { ($0 + 1) % k } : nil
        func predictFloat(_ x: [Float], _ b: Int) -> [Int] { SoftmaxCrossEntropy.argmax(float.forward(x, batch: b).logits, classes: k) }
        func predictInt8(_ px: [UInt8], _ labels: [Int]) -> [Int] { int8.predict(set.withPixels(px, labels: labels), Array(0..<labels.count)) }
        let cleanFloat = predictFloat(set.floatBatch(Array(0..<n)).data, n)
        let cleanInt8 = predictInt8(set.pixels, set.labels)
        var rows: [Row] = []
        let bar = ProgressBar("\(attack) [\(net)\(net == "int8" ? "/" + mode : "")]", total: n * epsList.count, quiet: compute.quiet)
        for (ei, e) in epsList.enumerated() {
            var row = Row(eps: e)
            let t0 = Date()
            var advFloat = [Float](repeating: 0, count: n * d)          // crafted on the float net
            var advSTE = [Float](repeating: 0, count: n * d)            // crafted on the int8 simulation
            var advQuery = [UInt8](repeating: 0, count: n * d)
            var queriesUsed = [Int](repeating: 0, count: n)
            var breakdown = AutoAttackTally()
            for (bi, r) in Parallel.chunks(n, size: 100).enumerated() {
                let idx = Array(r)
                let x = set.floatBatch(idx).data
                let labels = idx.map { set.labels[$0] }
                let tg = targets.map { t in idx.map { t[$0] } }
                func craft(_ on: FloatNetwork) -> [Float] {
                    var rng = SeededGenerator(seed: seed, stream: 0x4154_4B, UInt64(ei), UInt64(bi))
                    switch attack {
                    case "fgsm": return GradientAttacks.fgsm(on, x: x, labels: labels, eps: Float(e), targets: tg)
                    case "pgd":
                        let a = Float(stepSize ?? 2.5 * e / Double(steps))
                        return GradientAttacks.pgd(on, x: x, labels: labels, eps: Float(e), stepSize: a, steps: steps, norm: nm, restarts: restarts,
                                                   targets: tg, rng: &rng)
                    case "apgd-ce", "apgd-dlr":
                        return APGD(eps: Float(e), steps: steps, loss: attack == "apgd-dlr" ? .dlr : .ce, restarts: restarts)
                            .perturb(on, x: x, labels: labels, rng: &rng)
                    case "cw":
                        return CarliniWagnerL2(kappa: Float(kappa), maxSteps: maxSteps, searchSteps: searchSteps).perturb(on, x: x, labels: labels, targets: tg)
                    default:
                        let out = craftAdded(on, ste: on === ste ? ste : nil, int8: int8, set: set, indices: idx, x: x, labels: labels,
                                             eps: Float(e), norm: nm, rng: &rng)
                        // Only the evaluated net's breakdown counts (the other craft feeds the transfer matrix).
                        if let b = out.breakdown, (on === ste) == (net == "int8" && mode == "ste") { breakdown.merge(b) }
                        return out.adversarial
                    }
                }
                if attack == "square" {
                    let tc = Date()
                    defer { row.craftSeconds += Date().timeIntervalSince(tc) }
                    let out = SquareAttack(eps: Float(e), queries: queries, side: min(set.height, set.width)).run(int8, set: set, indices: idx, seed: seed)
                    for (j, i) in idx.enumerated() {
                        for t in 0..<d { advQuery[i * d + t] = out.pixels[j * d + t] }
                        queriesUsed[i] = out.queriesUsed[j]
                    }
                } else {
                    let tc = Date()
                    let a = craft(float)
                    if !(net == "int8" && mode == "ste") { row.craftSeconds += Date().timeIntervalSince(tc) }
                    for (j, i) in idx.enumerated() { for t in 0..<d { advFloat[i * d + t] = a[j * d + t] } }
                    if let ste {
                        let ts = Date()
                        let b = craft(ste)
                        if net == "int8" && mode == "ste" { row.craftSeconds += Date().timeIntervalSince(ts) }
                        for (j, i) in idx.enumerated() { for t in 0..<d { advSTE[i * d + t] = b[j * d + t] } }
                    }
                }
                bar.advance(idx.count)
            }
            // The images the evaluated net sees.
            let floatSnapped = PixelGrid.snap(adversarial: advFloat, clean: set.pixels)
            let steSnapped = PixelGrid.snap(adversarial: advSTE, clean: set.pixels)
            let finalPixels: [UInt8]
            let pred: [Int], clean: [Int]
            if net == "float" {
                pred = predictFloat(advFloat, n); clean = cleanFloat
                finalPixels = floatSnapped
            } else {
                finalPixels = attack == "square" ? advQuery : (mode == "ste" ? steSnapped : floatSnapped)
                pred = predictInt8(finalPixels, set.labels); clean = cleanInt8
            }
            // Perturbation sizes of what was evaluated (float inputs for the float net).
            var linf: [Double] = [], l2: [Double] = []
            for i in 0..<n {
                var mx = 0.0, s = 0.0
                for t in 0..<d {
                    let v = net == "float" ? Double(advFloat[i * d + t]) - Double(set.pixels[i * d + t]) / 255 : Double(Int(finalPixels[i * d + t]) - Int(set.pixels[i * d + t])) / 255
                    mx = max(mx, abs(v)); s += v * v
                }
                linf.append(mx); l2.append(s.squareRoot())
            }
            func fooled(_ i: Int) -> Bool {
                if Self.minimalL2.contains(attack) && l2[i] > e && e > 0 { return false }   // cw: adversarial only within the L2 threshold
                return targets.map { pred[i] == $0[i] } ?? (pred[i] != set.labels[i])
            }
            let correctBefore = (0..<n).filter { clean[$0] == set.labels[$0] }
            // Robust accuracy: the accuracy on the adversarial examples; for CW (minimal-norm)
            // an image counts as robust at threshold ε when it was correct and no example
            // within L2 ≤ ε fooled it.
            row.accuracy = Self.minimalL2.contains(attack)
                ? Double((0..<n).filter { clean[$0] == set.labels[$0] && !fooled($0) }.count) / Double(n)
                : Double((0..<n).filter { pred[$0] == set.labels[$0] }.count) / Double(n)
            row.success = Double(correctBefore.filter { fooled($0) }.count) / Double(max(correctBefore.count, 1))
            row.meanLinf = linf.reduce(0, +) / Double(n); row.meanL2 = l2.reduce(0, +) / Double(n)
            row.medianLinf = linf.sorted()[n / 2]; row.medianL2 = l2.sorted()[n / 2]
            row.queries = attack == "square" ? Double(queriesUsed.reduce(0, +)) / Double(n) : 0
            if attack != "square" && ste != nil {
                // 2×2 transfer matrix on the uint8 grid: crafted on float / on int8 (STE) × evaluated on float / int8.
                func acc(_ p: [Int]) -> Double { Double(zip(p, set.labels).filter { $0 == $1 }.count) / Double(n) }
                let asFloat: ([UInt8]) -> [Int] = { px in
                    let s = LabeledImages(channels: set.channels, height: set.height, width: set.width, pixels: px, labels: set.labels,
                                          classNames: set.classNames, sources: set.sources)
                    return predictFloat(s.floatBatch(Array(0..<n)).data, n)
                }
                row.matrix = ["crafted_float.eval_float": acc(asFloat(floatSnapped)), "crafted_float.eval_int8": acc(predictInt8(floatSnapped, set.labels)),
                              "crafted_int8_ste.eval_float": acc(asFloat(steSnapped)), "crafted_int8_ste.eval_int8": acc(predictInt8(steSnapped, set.labels))]
            }
            row.seconds = Date().timeIntervalSince(t0)
            row.breakdown = breakdown.json(images: n)
            rows.append(row)
            if let dir = saveAdversarial {
                // What the evaluated net saw, on the uint8 grid (a float net's examples are
                // snapped the same way, so a PNG round trip reproduces them up to that rounding).
                let adv = LabeledImages(channels: set.channels, height: set.height, width: set.width, pixels: finalPixels, labels: set.labels,
                                        classNames: set.classNames, sources: set.sources)
                try ImageFolder.write(adv, to: "\(dir)/eps_\(MetricKey.number(e))", keepNames: true)
            }
        }
        bar.finish()
        // Gradient-masking check on the int8 net: does a query attack beat the gradient attack?
        if net == "int8" && attack != "square" && !Self.minimalL2.contains(attack) && !targeted {
            let m = min(n, 200)
            let idx = (0..<m).map { $0 * n / m }
            for i in rows.indices where rows[i].eps > 0 && nm == .linf {
                let out = SquareAttack(eps: Float(rows[i].eps), queries: 300, side: min(set.height, set.width)).run(int8, set: set, indices: idx, seed: seed)
                let qAcc = Double(out.fooled.filter { !$0 }.count) / Double(m)
                if qAcc + 1e-12 < rows[i].accuracy {
                    rows[i].note = String(format: "gradient-masking warning: the Square attack (300 queries, %d images) leaves %.2f%%, below this attack's %.2f%%", m, qAcc * 100, rows[i].accuracy * 100)
                }
            }
        }
        let label = net == "float" ? "white-box on the float net" :
            (mode == "transfer" ? "transfer: crafted on the float net, snapped to uint8, evaluated on the exact int8 net" :
             mode == "ste" ? "ste: crafted through the int8 simulation with straight-through gradients, snapped to uint8, evaluated on the exact int8 net" :
             "query: Square attack calling only the exact int8 net")
        if format == "json" {
            var out = "{\n  \"attack\": \(jsonString(attack)),\n  \"net\": \(jsonString(net)),\n  \"mode\": \(jsonString(net == "int8" ? mode : "white-box")),\n"
            out += "  \"label\": \(jsonString(label)),\n  \"images\": \(n),\n  \"seed\": \(seed),\n  \"targeted\": \(targeted),\n  \"results\": [\n"
            out += rows.map { r in
                var f = ["\"eps\": \(MetricKey.number(r.eps))", "\"robust_accuracy\": \(String(format: "%.6f", r.accuracy))", "\"success_rate\": \(String(format: "%.6f", r.success))",
                         "\"mean_linf\": \(String(format: "%.6f", r.meanLinf))", "\"median_linf\": \(String(format: "%.6f", r.medianLinf))",
                         "\"mean_l2\": \(String(format: "%.6f", r.meanL2))", "\"median_l2\": \(String(format: "%.6f", r.medianL2))"]
                if attack == "square" { f.append("\"mean_queries\": \(String(format: "%.2f", r.queries))") }
                if !r.matrix.isEmpty { f.append("\"transfer_matrix\": {" + r.matrix.keys.sorted().map { "\"\($0)\": \(String(format: "%.6f", r.matrix[$0] ?? 0))" }.joined(separator: ", ") + "}") }
                if let note = r.note { f.append("\"warning\": \(jsonString(note))") }
                if let b = r.breakdown {
                    // Which net judged each component (transfer: the float net it was crafted on).
                    f.append("\"per_attack_judged_on\": \(jsonString(net == "int8" && mode == "ste" ? "int8" : "float"))")
                    f.append("\"per_attack\": " + b)
                }
                f.append("\"seconds\": \(String(format: "%.3f", r.seconds))")
                f.append("\"craft_seconds\": \(String(format: "%.3f", r.craftSeconds))")
                return "    {" + f.joined(separator: ", ") + "}"
            }.joined(separator: ",\n")
            print(out + "\n  ]\n}")
            return
        }
        print("\(attack)\(targeted ? " (targeted)" : "") — \(label); \(n) images, seed \(seed)")
        print(pad("eps", 8) + pad("robust acc", 11, right: true) + pad("success", 9, right: true) + pad("mean L∞", 9, right: true) + pad("med L∞", 9, right: true)
              + pad("mean L2", 9, right: true) + pad("med L2", 9, right: true) + (attack == "square" ? pad("queries", 9, right: true) : "") + pad("time", 8, right: true))
        for r in rows {
            print(pad(MetricKey.number(r.eps), 8) + pad(String(format: "%.2f%%", r.accuracy * 100), 11, right: true) + pad(String(format: "%.2f%%", r.success * 100), 9, right: true)
                  + pad(String(format: "%.4f", r.meanLinf), 9, right: true) + pad(String(format: "%.4f", r.medianLinf), 9, right: true)
                  + pad(String(format: "%.3f", r.meanL2), 9, right: true) + pad(String(format: "%.3f", r.medianL2), 9, right: true)
                  + (attack == "square" ? pad(String(format: "%.1f", r.queries), 9, right: true) : "") + pad(String(format: "%.1fs", r.seconds), 8, right: true))
            if !r.matrix.isEmpty {
                print("         transfer matrix (uint8 grid): float→float \(String(format: "%.2f%%", (r.matrix["crafted_float.eval_float"] ?? 0) * 100)), float→int8 \(String(format: "%.2f%%", (r.matrix["crafted_float.eval_int8"] ?? 0) * 100)), int8(ste)→float \(String(format: "%.2f%%", (r.matrix["crafted_int8_ste.eval_float"] ?? 0) * 100)), int8(ste)→int8 \(String(format: "%.2f%%", (r.matrix["crafted_int8_ste.eval_int8"] ?? 0) * 100))")
            }
            if let note = r.note { print("         " + note) }
            if let b = r.breakdown { print("         per attack: " + b) }
        }
    }
}

// MARK: - Attacks added for issue 16 (AutoAttack and the minimal-L2 attacks)

extension Attack {
    /// Attacks dispatched by `craftAdded`.
    static let added = ["mifgsm", "apgd-t", "fab-t", "autoattack", "ddn", "deepfool"]
    /// Every `--attack` value.
    static let attacks = ["fgsm", "pgd", "apgd-ce", "apgd-dlr", "cw", "square"] + added
    /// Attacks that take `--norm l2`.
    static let l2Capable = ["pgd", "apgd-ce", "apgd-dlr", "apgd-t", "fab-t", "autoattack"]
    /// Minimal-L2 attacks: `--eps` are L2 thresholds for robust accuracy, as for cw.
    static let minimalL2 = ["cw", "ddn", "deepfool"]

    /// Crafts with one of `added` on `on`. `ste` is set when `on` is the int8 simulation:
    /// AutoAttack then judges every component on the exact int8 net (`run(int8:ste:)`).
    func craftAdded(_ on: FloatNetwork, ste: FloatNetwork?, int8: IntegerNetwork, set: LabeledImages, indices: [Int], x: [Float],
                    labels: [Int], eps: Float, norm: AttackNorm, rng: inout SeededGenerator) -> (adversarial: [Float], breakdown: AutoAttackTally?) {
        switch attack {
        case "apgd-t":
            return (APGDTargeted(eps: eps, steps: steps, restarts: restarts, norm: norm).perturb(on, x: x, labels: labels, rng: &rng), nil)
        case "fab-t":
            let o = FABTargeted(eps: eps, norm: norm, steps: steps, restarts: restarts).run(on, x: x, labels: labels, rng: &rng)
            let d = set.imageSize
            var adv = o.adversarial
            for j in labels.indices where !(o.distance[j] <= eps) { adv.replaceSubrange((j * d)..<((j + 1) * d), with: x[(j * d)..<((j + 1) * d)]) }
            return (adv, nil)
        case "mifgsm": return (MIFGSM(eps: eps, steps: steps).perturb(on, x: x, labels: labels), nil)
        case "ddn": return (DDN(steps: steps).perturb(on, x: x, labels: labels, rng: &rng).adversarial, nil)
        case "deepfool": return (DeepFool(steps: steps).perturb(on, x: x, labels: labels).adversarial, nil)
        default:
            let aa = AutoAttack(eps: eps, norm: norm)
            guard let ste else {
                let o = aa.run(float: on, x: x, labels: labels, ids: indices, rng: &rng)
                return (o.adversarial, AutoAttackTally(o))
            }
            let o = aa.run(int8: int8, ste: ste, set: set, indices: indices, seed: rng.next())
            // Already on the uint8 grid; move half a step outwards so that the caller's
            // PixelGrid.snap (which rounds toward the clean pixel) lands on the same pixel.
            let d = set.imageSize
            var adv = o.adversarial
            for (j, i) in indices.enumerated() {
                for t in 0..<d {
                    let p = (adv[j * d + t] * 255).rounded(), c = Float(set.pixels[i * d + t])
                    adv[j * d + t] = (p + (p > c ? 0.5 : (p < c ? -0.5 : 0))) / 255
                }
            }
            return (adv, AutoAttackTally(o))
        }
    }
}

/// AutoAttack's per-attack breakdown summed over the command's batches.
struct AutoAttackTally {
    var clean = 0
    var steps: [AutoAttack.Step] = []

    init() {}

    init(_ o: AutoAttack.Outcome) {
        clean = o.cleanCorrect
        steps = o.perAttack
    }

    mutating func merge(_ o: AutoAttackTally) {
        clean += o.clean
        if steps.isEmpty { steps = o.steps; return }
        for i in steps.indices where i < o.steps.count { steps[i].robustAfter += o.steps[i].robustAfter }
    }

    /// `[{"attack": …, "robust_accuracy_after": …, "budget": …}, …]`, or nil when nothing ran.
    func json(images n: Int) -> String? {
        guard !steps.isEmpty else { return nil }
        let rows = [#"{"attack": "clean", "robust_accuracy_after": \#(String(format: "%.6f", Double(clean) / Double(max(n, 1))))}"#]
            + steps.map { s in
                var f = #"{"attack": "\#(s.name.rawValue)", "robust_accuracy_after": \#(String(format: "%.6f", Double(s.robustAfter) / Double(max(n, 1))))"#
                f += #", "steps": \#(s.budget.steps), "restarts": \#(s.budget.restarts), "target_classes": \#(s.budget.targetClasses), "queries": \#(s.budget.queries)"#
                if let why = s.skipped { f += #", "skipped": \#(jsonString(why))"# }
                return f + "}"
            }
        return "[" + rows.joined(separator: ", ") + "]"
    }
}
