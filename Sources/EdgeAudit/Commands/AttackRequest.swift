import EdgeAttacks
import EdgeCore
import Foundation

/// The attacks `edge-audit attack` runs.
public enum AttackKind: String, CaseIterable, Sendable {
    /// Fast gradient sign method (L∞).
    case fgsm
    /// Projected gradient descent (L∞ or L2, restarts, targeted).
    case pgd
    /// Auto-PGD with the cross-entropy loss.
    case apgdCE = "apgd-ce"
    /// Auto-PGD with the DLR loss.
    case apgdDLR = "apgd-dlr"
    /// Carlini–Wagner L2 (minimal norm).
    case cw
    /// The Square attack, query-only on the exact int8 net.
    case square
    /// Momentum iterative FGSM (L∞).
    case mifgsm
    /// Auto-PGD with the targeted DLR loss.
    case apgdT = "apgd-t"
    /// Targeted FAB.
    case fabT = "fab-t"
    /// Standard AutoAttack: APGD-CE, APGD-T, FAB-T, Square.
    case autoattack
    /// Decoupled direction and norm (minimal L2).
    case ddn
    /// DeepFool (minimal L2).
    case deepfool

    /// The attacks added for issue 16, crafted by `AttackCraft.added`; on the float net
    /// they skip the transfer matrix.
    public var isAdded: Bool { [.mifgsm, .apgdT, .fabT, .autoattack, .ddn, .deepfool].contains(self) }
    /// Whether `--norm l2` applies.
    public var takesL2: Bool { [.pgd, .apgdCE, .apgdDLR, .apgdT, .fabT, .autoattack].contains(self) }
    /// Minimal-L2 attacks: `--eps` are L2 thresholds for robust accuracy.
    public var isMinimalL2: Bool { [.cw, .ddn, .deepfool].contains(self) }
}

/// Which net `attack` evaluates.
public enum AttackedNet: String, Sendable {
    /// The float net, attacked white-box.
    case float
    /// The exact int8 net.
    case int8
}

/// How the int8 net is attacked.
public enum AttackMode: String, Sendable {
    /// Crafted on the float net, snapped to uint8, evaluated on the int8 net.
    case transfer
    /// Crafted through the int8 simulation with straight-through gradients.
    case ste
    /// The Square attack calling only the int8 net.
    case query
}

/// Every option of `edge-audit attack` as a typed, validated value.
public struct AttackRequest: Sendable {
    /// The attack.
    public var attack: AttackKind
    /// The radii (L∞ or L2 per `norm`; L2 thresholds for the minimal-L2 attacks), in order.
    public var epsilons: [Double]
    /// The threat model's norm.
    public var norm: AttackNorm
    /// Iterations of the iterative attacks.
    public var steps: Int
    /// PGD step size; nil means 2.5·ε/steps.
    public var stepSize: Double?
    /// Random restarts.
    public var restarts: Int
    /// CW Adam steps per binary-search round.
    public var maxSteps: Int
    /// CW binary-search rounds over c.
    public var searchSteps: Int
    /// CW confidence κ.
    public var kappa: Double
    /// Square-attack queries per image.
    public var queries: Int
    /// The evaluated net.
    public var net: AttackedNet
    /// How the int8 net is attacked (ignored for the float net).
    public var mode: AttackMode
    /// Aim every image at class (label + 1) mod K.
    public var targeted: Bool
    /// At most this many images (evenly spread).
    public var limit: Int?
    /// The seed of every generator.
    public var seed: UInt64
    /// Folder for the adversarial images, if any.
    public var saveAdversarial: String?
    /// Table or JSON.
    public var format: OutputFormat

    /// Parses and checks the command's options in the order the command always has, with
    /// its messages; every failure is `EdgeError.usage` (exit 2).
    public init(attack: String, eps: String, norm: String, steps: Int, stepSize: Double?, restarts: Int, maxSteps: Int,
                searchSteps: Int, kappa: Double, queries: Int, net: String, mode: String, targeted: Bool, limit: Int?,
                seed: UInt64, saveAdversarial: String?, format: String) throws {
        guard let a = AttackKind(rawValue: attack) else {
            throw EdgeError.usage("--attack must be one of " + AttackKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if (attack.hasPrefix("apgd") || a.isAdded) && targeted {
            throw EdgeError.usage("--targeted is not offered for --attack \(attack) (use pgd or cw)")
        }
        guard let nm = AttackNorm(rawValue: norm) else { throw EdgeError.usage("--norm must be linf or l2") }
        guard let nt = AttackedNet(rawValue: net) else { throw EdgeError.usage("--net must be float or int8") }
        guard let md = AttackMode(rawValue: mode) else { throw EdgeError.usage("--mode must be transfer, ste or query") }
        let f = try OutputFormat(parsing: format)
        if a == .square && (nt != .int8 || md != .query) {
            throw EdgeError.usage("the Square attack runs only as --net int8 --mode query")
        }
        if md == .query && a != .square && nt == .int8 { throw EdgeError.usage("--mode query needs --attack square") }
        if targeted && a == .square {
            throw EdgeError.usage("--targeted applies to fgsm, pgd and cw; the Square attack is untargeted")
        }
        if nm == .l2 && !a.takesL2 {
            throw EdgeError.usage("--norm l2 applies to pgd, apgd-ce, apgd-t, fab-t and autoattack (fgsm, mifgsm and square are L∞; cw, ddn and deepfool are L2)")
        }
        guard steps >= 1, restarts >= 1, maxSteps >= 1, searchSteps >= 1, queries >= 1 else {
            throw EdgeError.usage("steps, restarts and queries must be positive")
        }
        let epsList = try Self.radii(eps, max: nm == .l2 || a.isMinimalL2 ? 100 : 1)
        guard steps <= 100_000, restarts <= 1000, maxSteps <= 100_000, searchSteps <= 64, queries <= 1_000_000 else {
            throw EdgeError.usage("steps ≤ 100000, restarts ≤ 1000, --max-steps ≤ 100000, --search-steps ≤ 64, --queries ≤ 1000000")
        }
        if let stepSize, !(stepSize.isFinite && stepSize > 0 && stepSize <= 100) {
            throw EdgeError.usage("--step-size must be a finite number in (0, 100], got \(stepSize)")
        }
        guard kappa.isFinite, kappa >= 0, kappa <= 1e6 else {
            throw EdgeError.usage("--kappa must be a finite number ≥ 0, got \(kappa)")
        }
        if let limit, limit <= 0 { throw EdgeError.usage("--limit must be positive, got \(limit)") }
        self.attack = a; self.epsilons = epsList; self.norm = nm; self.steps = steps; self.stepSize = stepSize
        self.restarts = restarts; self.maxSteps = maxSteps; self.searchSteps = searchSteps; self.kappa = kappa
        self.queries = queries; self.net = nt; self.mode = md; self.targeted = targeted; self.limit = limit
        self.seed = seed; self.saveAdversarial = saveAdversarial; self.format = f
    }

    /// The comma-separated radii of `--eps`, each in [0, `max`].
    static func radii(_ text: String, max: Double) throws -> [Double] {
        let list = try text.split(separator: ",").map { s -> Double in
            guard let v = Double(s.trimmingCharacters(in: .whitespaces)), v >= 0, v <= max else {
                throw EdgeError.usage("--eps: '\(s)' is not a valid radius")
            }
            return v
        }
        guard !list.isEmpty else { throw EdgeError.usage("--eps is empty") }
        return list
    }

    /// Refuses (exit 73) a `--save-adversarial` path that exists and is not a folder.
    public func checkOutputFolder() throws {
        if let dir = saveAdversarial, let k = FileKind.of(dir, followSymlinks: false), k != .directory {
            throw EdgeError.cannotWrite(path: dir, reason: "it is \(k.phrase); --save-adversarial must name a folder")
        }
    }

    /// Whether the attack is crafted through the int8 simulation as the evaluated attack.
    var craftsOnSTE: Bool { net == .int8 && mode == .ste }

    /// Whether the run needs the STE simulation: as the attacked net, or for the 2×2
    /// transfer matrix (the added attacks skip it on the float net: AutoAttack at its full
    /// budget is too slow to run twice).
    public var needsSimulation: Bool { craftsOnSTE || (attack != .square && !(attack.isAdded && net == .float)) }

    /// The evaluation's label: which net and which method the numbers come from.
    public var label: String {
        switch (net, mode) {
        case (.float, _): return "white-box on the float net"
        case (.int8, .transfer): return "transfer: crafted on the float net, snapped to uint8, evaluated on the exact int8 net"
        case (.int8, .ste):
            return "ste: crafted through the int8 simulation with straight-through gradients, snapped to uint8, evaluated on the exact int8 net"
        case (.int8, .query): return "query: Square attack calling only the exact int8 net"
        }
    }
}
