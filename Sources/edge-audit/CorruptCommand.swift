import ArgumentParser
import EdgeAudit
import EdgeCore
import EdgeCorruptions
import EdgeData
import EdgeFloat
import EdgeQuant
import Foundation

/// `edge-audit corrupt`: writes corrupted copies of an image folder.
struct Corrupt: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write corrupted copies of an image folder.")

    @Option(help: "Images in class folders.") var images: String
    @Option(help: "Corruption (docs/corruptions.md): \(Corruption.allCases.map(\.rawValue).joined(separator: ", ")).") var kind: String
    @Option(help: "Level, 1 = mildest.") var level: Int
    @Option(help: "Output folder.") var out: String
    @Option(help: "Seed; image i's corruption depends only on (seed, kind, level, i).") var seed: UInt64 = 1
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        guard let c = Corruption(name: kind) else { throw EdgeError.usage("--kind: unknown corruption '\(kind)'; known: \(Corruption.allCases.map(\.rawValue).joined(separator: ", "))") }
        try CLISupport.checkDisjoint(output: out, input: images)
        let shape = try ImageFolder.firstImageShape(images)
        let r = try ImageFolder.load(images, classNames: nil, shape: shape)
        for s in r.skipped.prefix(20) { printError("warning: skipped \(s.path): \(s.reason)") }
        let set = r.images
        let params = c.parameters(side: min(set.height, set.width))
        guard level >= 1, level <= params.count else { throw EdgeError.usage("--level: \(c.rawValue) has levels 1...\(params.count), got \(level)") }
        let outSet = try c.apply(to: set, level: level, seed: seed)
        let n = try ImageFolder.write(outSet, to: out, keepNames: true)
        print("wrote \(n) images: \(c.rawValue) level \(level) (\(c.parameterName) = \(MetricKey.number(params[level - 1]))), seed \(seed), to \(out)")
    }
}

/// `edge-audit evaluate`: accuracy and ECE under corruptions, float vs int8.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Accuracy and ECE under every corruption and level.")

    @Argument(help: "model.bin") var model: String
    @Option(help: "Images in class folders.") var images: String
    @Option(help: "'all' or a comma-separated list.") var corruptions = "all"
    @Option(help: "float, int8 or both.") var net = "both"
    @Option(help: "table or json.") var format = "table"
    @Option(help: "Calibration images when the model has no int8 net.") var calibration = "calibration/fashion-mnist"
    @Option(help: "Use at most N images.") var limit: Int?
    @Option(help: "Seed.") var seed: UInt64 = 1
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        guard ["float", "int8", "both"].contains(net) else { throw EdgeError.usage("--net must be float, int8 or both") }
        guard format == "table" || format == "json" else { throw EdgeError.usage("--format must be table or json") }
        var s = AuditSettings.profile("default")!
        s.seed = seed
        s.limit = limit
        if corruptions != "all" {
            s.corruptions = try corruptions.split(separator: ",").map { n in
                guard let c = Corruption(name: String(n)) else {
                    throw EdgeError.usage("--corruptions: unknown corruption '\(n)'; known: \(Corruption.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return c
            }
        }
        let (float, int8, set, _) = try CLISupport.loadNets(model, images: images, calibration: calibration, limit: limit, command: "evaluate")
        let r = try AuditRunner(float: float, int8: int8, set: set, settings: s, quiet: compute.quiet).run(stages: [.clean, .corruptions])
        let nets = net == "both" ? ["float", "int8"] : [net]
        let m = r.metrics
        if format == "json" {
            var keys = m.keys.filter { k in nets.contains { k.hasPrefix("\($0).") } || k.hasPrefix("corruption.") }.sorted()
            if net != "both" { keys.removeAll { $0.hasSuffix("relative_ce") } }
            print("{\n" + keys.map { "  \"\($0)\": \(String(format: "%.6f", m[$0] ?? 0))" }.joined(separator: ",\n") + "\n}")
            return
        }
        var header = pad("corruption", 16) + pad("level", 6) + pad("parameter", 16)
        for n in nets { header += pad("\(n) acc", 10, right: true) + pad("\(n) ECE", 10, right: true) }
        print(header)
        func line(_ a: String, _ b: String, _ c: String, _ key: String) {
            var l = pad(a, 16) + pad(b, 6) + pad(c, 16)
            for n in nets {
                l += pad(String(format: "%.2f%%", (m["\(n).\(key).accuracy"] ?? 0) * 100), 10, right: true)
                l += pad(String(format: "%.4f", m["\(n).\(key).ece"] ?? 0), 10, right: true)
            }
            print(l)
        }
        line("clean", "-", "-", "clean")
        for c in s.corruptions {
            for (i, p) in c.parameters(side: min(set.height, set.width)).enumerated() {
                line(c.rawValue, "\(i + 1)", "\(c.parameterName)=\(MetricKey.number(p))", "corruption.\(c.rawValue).level_\(i + 1)")
            }
            if net == "both", let ce = m["int8.corruption.\(c.rawValue).relative_ce"] { print(pad("", 22) + String(format: "CE int8/float = %.3f", ce)) }
        }
        if net == "both", let ce = m["int8.corruption.relative_ce"] { print(String(format: "mean CE int8/float over corruptions: %.3f", ce)) }
    }
}
