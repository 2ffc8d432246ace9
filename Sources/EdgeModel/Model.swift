import EdgeCore

/// How the model was trained: stored in model.bin so a shipped file explains itself.
public struct TrainingRecipe: Codable, Equatable, Sendable {
    /// Architecture name (lenet5, resnet8).
    public var arch: String
    /// Dataset name or folder.
    public var dataset: String
    /// Epochs run.
    public var epochs: Int
    /// Batch size.
    public var batch: Int
    /// Optimiser (sgd, adam).
    public var optimizer: String
    /// Peak learning rate.
    public var learningRate: Double
    /// Learning-rate schedule.
    public var schedule: String
    /// Weight decay.
    public var weightDecay: Double
    /// Seed of every random draw in training.
    public var seed: UInt64
    /// "none" or "pgd".
    public var adversarial: String
    /// PGD-AT ε (L∞), step size and steps; zero when not adversarial.
    public var eps: Double, stepSize: Double, steps: Int
    /// Accuracy on the held-out test set after the last epoch. Timings are deliberately
    /// absent: the same seed must give byte-identical files.
    public var testAccuracy: Double
    /// Images in the test set that accuracy was measured on.
    public var testImages: Int

    /// A recipe; every field is explicit so the file is self-describing.
    public init(arch: String, dataset: String, epochs: Int, batch: Int, optimizer: String, learningRate: Double,
                schedule: String, weightDecay: Double, seed: UInt64, adversarial: String, eps: Double, stepSize: Double,
                steps: Int, testAccuracy: Double, testImages: Int) {
        self.arch = arch; self.dataset = dataset; self.epochs = epochs; self.batch = batch
        self.optimizer = optimizer; self.learningRate = learningRate; self.schedule = schedule
        self.weightDecay = weightDecay; self.seed = seed; self.adversarial = adversarial
        self.eps = eps; self.stepSize = stepSize; self.steps = steps; self.testAccuracy = testAccuracy
        self.testImages = testImages
    }
}

/// Everything about a model that is not a tensor.
public struct ModelMetadata: Codable, Equatable, Sendable {
    /// Class names, index = logit position.
    public var classNames: [String]
    /// How pixels become inputs; always "pixel/255" (inputs in [0, 1]) in format v1.
    public var preprocessing: String
    /// How it was trained, when trained by edge-audit.
    public var recipe: TrainingRecipe?

    /// Metadata for a model with `classNames`.
    public init(classNames: [String], preprocessing: String = "pixel/255", recipe: TrainingRecipe? = nil) {
        self.classNames = classNames
        self.preprocessing = preprocessing
        self.recipe = recipe
    }
}

extension ModelMetadata {
    /// Preprocessings this version implements.
    public static let knownPreprocessing: Set<String> = ["pixel/255"]

    /// Checks what the JSON types alone do not: class names are non-empty, unique, at most
    /// `SafeName.maxBytes` long and free of control characters (they reach file names,
    /// terminals and reports), and the preprocessing is one this version implements.
    public func validate(path: String) throws {
        func bad(_ r: String) -> EdgeError { .badModel(path: path, section: "META", offset: 0, reason: r) }
        guard !classNames.isEmpty, classNames.count <= Graph.Limits.maxChannels else {
            throw bad("classNames has \(classNames.count) entries; 1...\(Graph.Limits.maxChannels) are allowed")
        }
        var seen = Set<String>()
        for (i, n) in classNames.enumerated() {
            if let why = SafeName.problem(n) { throw bad("class name \(i) \(why)") }
            guard seen.insert(n).inserted else { throw bad("class name \(i) '\(n)' repeats an earlier one") }
        }
        guard Self.knownPreprocessing.contains(preprocessing) else {
            throw bad("preprocessing '\(preprocessing)' is not one this version implements (\(Self.knownPreprocessing.sorted().joined(separator: ", ")))")
        }
    }
}

/// A float network: graph, per-node parameters and metadata; plus any sections this
/// version does not interpret (carried through unchanged on save).
public struct Model: Equatable, Sendable {
    /// The architecture.
    public var graph: Graph
    /// Parameters per node in `Graph.parameterShapes` order (empty for ops without any).
    public var parameters: [[Tensor]]
    /// Class names, preprocessing and recipe.
    public var metadata: ModelMetadata
    /// Sections kept verbatim (e.g. the int8 net), by tag.
    public var extraSections: [String: [UInt8]]
    /// Who made the file and how (the PROV section); nil for files without one. Writers
    /// that derive a model from another replace it, so a file never claims its source's recipe.
    public var provenance: Provenance?

    /// A model; `validate` checks that the parameters fit the graph.
    public init(graph: Graph, parameters: [[Tensor]], metadata: ModelMetadata, extraSections: [String: [UInt8]] = [:],
                provenance: Provenance? = nil) {
        self.graph = graph
        self.parameters = parameters
        self.metadata = metadata
        self.extraSections = extraSections
        self.provenance = provenance
    }

    /// Checks graph, parameter shapes, finiteness and class count; returns per-node shapes.
    @discardableResult
    public func validate(path: String = "<model>") throws -> [[Int]] {
        let shapes = try graph.shapes(path: path)
        guard parameters.count == graph.nodes.count else {
            throw EdgeError.badModel(path: path, section: "float-weights", offset: 0, reason: "parameters for \(parameters.count) nodes, graph has \(graph.nodes.count)")
        }
        for i in graph.nodes.indices {
            let want = graph.parameterShapes(i, shapes: shapes)
            let have = parameters[i].map(\.shape)
            guard want == have else {
                throw EdgeError.badModel(path: path, section: "float-weights", offset: 0, reason: "node \(graph.nodes[i].name): parameter shapes \(have), expected \(want)")
            }
            for t in parameters[i] where !t.data.allSatisfy({ $0.isFinite }) {
                throw EdgeError.badModel(path: path, section: "float-weights", offset: 0, reason: "node \(graph.nodes[i].name): non-finite parameter")
            }
            if case .batchNorm = graph.nodes[i].op, parameters[i][3].data.contains(where: { $0 < 0 }) {
                throw EdgeError.badModel(path: path, section: "float-weights", offset: 0, reason: "node \(graph.nodes[i].name): negative running variance")
            }
        }
        try metadata.validate(path: path)
        guard shapes.last?[0] == metadata.classNames.count else {
            throw EdgeError.badModel(path: path, section: "metadata", offset: 0, reason: "\(metadata.classNames.count) class names for \(shapes.last?[0] ?? 0) logits")
        }
        return shapes
    }

    /// Total number of parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } } }
}
