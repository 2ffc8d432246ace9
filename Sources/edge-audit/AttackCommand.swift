import ArgumentParser
import EdgeAudit

/// `edge-audit attack`: one attack, on the float or the int8 net, per ε (EdgeAudit's AttackRun).
struct Attack: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one attack on the float or int8 net.")

    @Argument(help: "model.bin, or a float .tflite/.onnx (with --labels, --mean/--std as needed)") var model: String
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
    @OptionGroup var imported: ImportOptions
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        let r = try AttackRequest(attack: attack, eps: eps, norm: norm, steps: steps, stepSize: stepSize, restarts: restarts,
                                  maxSteps: maxSteps, searchSteps: searchSteps, kappa: kappa, queries: queries, net: net, mode: mode,
                                  targeted: targeted, limit: limit, seed: seed, saveAdversarial: saveAdversarial, format: format)
        if let dir = saveAdversarial { try CLISupport.checkDisjoint(output: dir, input: images) }
        try r.checkOutputFolder()
        let (float, int8, set, loaded) = try CLISupport.loadNets(model, images: images, calibration: calibration, limit: limit, command: "attack", imported: imported)
        let ste = try AttackRun.simulation(for: r, model: loaded.model, int8: int8)
        let o = try AttackRun.run(r, float: float, int8: int8, ste: ste, set: set, quiet: compute.quiet)
        print(r.format == .json ? AttackReportText.json(o) : AttackReportText.table(o))
    }
}
