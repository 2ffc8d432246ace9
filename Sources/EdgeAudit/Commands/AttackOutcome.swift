import EdgeAttacks

/// One ε of an `attack` run: robust accuracy, success rate, the perturbation sizes of what
/// the evaluated net saw, and the transfer matrix when both crafts ran.
public struct AttackRow: Sendable {
    /// The radius (an L2 threshold for the minimal-L2 attacks).
    public var eps: Double
    /// Accuracy on the adversarial examples (for minimal-L2 attacks: correct and not fooled
    /// within L2 ≤ ε).
    public var accuracy = 0.0
    /// Fooled fraction of the images the evaluated net had right.
    public var success = 0.0
    /// Mean and median L∞ and L2 perturbation sizes, in pixel/255 units.
    public var meanLinf = 0.0, medianLinf = 0.0, meanL2 = 0.0, medianL2 = 0.0
    /// Mean queries per image (Square only).
    public var queries = 0.0
    /// Wall time of the whole ε, seconds.
    public var seconds = 0.0
    /// Time spent crafting on the attacked net alone (excludes the transfer matrix).
    public var craftSeconds = 0.0
    /// Accuracy per `crafted_<net>.eval_<net>` on the uint8 grid; empty when not computed.
    public var matrix: [String: Double] = [:]
    /// The gradient-masking warning, if the check fired.
    public var note: String? = nil
    /// AutoAttack: robust images after each component, with its budget.
    public var perAttack: AutoAttackTally? = nil

    /// A row for `eps` with every figure zero.
    public init(eps: Double) { self.eps = eps }
}

/// What `AttackRun.run` returns: the request, the image count and a row per ε.
public struct AttackOutcome: Sendable {
    /// The validated options.
    public var request: AttackRequest
    /// Images attacked.
    public var images: Int
    /// One row per ε, in `request.epsilons` order.
    public var rows: [AttackRow]

    /// Bundles a run's result.
    public init(request: AttackRequest, images: Int, rows: [AttackRow]) {
        self.request = request; self.images = images; self.rows = rows
    }
}

/// AutoAttack's per-component breakdown summed over the command's batches.
public struct AutoAttackTally: Sendable {
    /// Images correct before the attack.
    public var clean = 0
    /// Each component with the robust count after it and its budget.
    public var steps: [AutoAttack.Step] = []

    /// An empty tally.
    public init() {}

    /// The tally of one batch.
    public init(_ o: AutoAttack.Outcome) {
        clean = o.cleanCorrect
        steps = o.perAttack
    }

    /// Adds another batch's counts.
    public mutating func merge(_ o: AutoAttackTally) {
        clean += o.clean
        if steps.isEmpty { steps = o.steps; return }
        for i in steps.indices where i < o.steps.count { steps[i].robustAfter += o.steps[i].robustAfter }
    }
}
