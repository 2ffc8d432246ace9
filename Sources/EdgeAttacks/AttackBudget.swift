/// What an attack was allowed to spend, carried beside every number it produced so a
/// weakened run says so (issue 16, "strength honesty").
public struct AttackBudget: Sendable, Equatable, Codable {
    /// Iterations per run (gradient attacks; 0 for query attacks).
    public var steps: Int
    /// Restarts per run (per target class for targeted attacks).
    public var restarts: Int
    /// Target classes tried (0: untargeted).
    public var targetClasses: Int
    /// Queries per image (query attacks; 0 for gradient attacks).
    public var queries: Int

    /// A budget.
    public init(steps: Int = 0, restarts: Int = 1, targetClasses: Int = 0, queries: Int = 0) {
        self.steps = steps
        self.restarts = restarts
        self.targetClasses = targetClasses
        self.queries = queries
    }

    /// E.g. "100 steps × 1 restart × 9 targets" or "5000 queries".
    public var summary: String {
        if queries > 0 { return "\(queries) queries" }
        var s = "\(steps) steps × \(restarts) restart\(restarts == 1 ? "" : "s")"
        if targetClasses > 0 { s += " × \(targetClasses) target\(targetClasses == 1 ? "" : "s")" }
        return s
    }
}
