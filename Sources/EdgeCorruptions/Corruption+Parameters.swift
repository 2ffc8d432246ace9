/// Per-level parameters. The newer kinds take CIFAR-10-C's values (hendrycks/robustness,
/// ImageNet-C/create_c/make_cifar_c.py) or MNIST-C's (google-research/mnist-c,
/// corruptions.py), with lengths that CIFAR-10-C states for 32 px scaled to the image side;
/// docs/corruptions.md has the full table and where each number comes from.
extension Corruption {
    /// The suite a kind comes from, for grouping in reports.
    public enum Family: String, Sendable, CaseIterable {
        /// The seed papers' nine kinds (ImageNet-C noises, Zhang & Zhu's saturation and patch shuffle, JPEG, …).
        case seed
        /// Added from ImageNet-C / CIFAR-10-C (Hendrycks & Dietterich 2019).
        case imagenetC = "imagenet_c"
        /// Added from MNIST-C (Mu & Gilmer 2019).
        case mnistC = "mnist_c"
    }

    /// The suite this kind was taken from.
    public var family: Family {
        switch self {
        case .gaussianNoise, .shotNoise, .impulseNoise, .saturation, .patchShuffle, .jpeg, .brightness, .contrast, .defocusBlur:
            return .seed
        case .motionBlur, .glassBlur, .zoomBlur, .elasticTransform, .pixelate, .fog, .snow, .spatter: return .imagenetC
        case .rotate, .shear, .scale, .translate, .stripe, .zigzag, .dottedLine, .cannyEdges: return .mnistC
        }
    }

    /// The kinds of one family, in declaration order.
    public static func kinds(of family: Family) -> [Corruption] { allCases.filter { $0.family == family } }

    /// The parameter of each level for an image of side `side` (one number per level; the
    /// kinds with several numbers per level show the one named by `parameterName`).
    public func parameters(side: Int) -> [Double] {
        switch self {
        case .gaussianNoise: return [0.08, 0.12, 0.18, 0.26, 0.38]
        case .shotNoise: return [60, 25, 12, 5, 3]
        case .impulseNoise: return [0.03, 0.06, 0.09, 0.17, 0.27]
        case .saturation: return [8, 16, 64, 1024]
        case .patchShuffle: return side == 28 ? [2, 4, 7] : (side == 32 ? [2, 4, 8] : [2.0, 4.0].filter { side % Int($0) == 0 })
        case .jpeg: return [25, 18, 15, 10, 7]
        case .brightness: return [0.1, 0.2, 0.3, 0.4, 0.5]
        case .contrast: return [0.4, 0.3, 0.2, 0.1, 0.05]
        case .defocusBlur: return side <= 32 ? [0.3, 0.4, 0.5, 1, 1.5] : [3, 4, 6, 8, 10]
        case .motionBlur: return Self.motionTable.map(\.sigma)
        case .glassBlur: return Self.glassTable.map(\.sigma)
        case .zoomBlur: return Self.zoomSteps.map { 1 + 0.01 * Double($0 - 1) }
        case .elasticTransform: return Self.elasticTable.map { $0.alpha * Double(side) }
        case .pixelate: return [0.95, 0.9, 0.85, 0.75, 0.65]
        case .fog: return Self.fogTable.map(\.intensity)
        case .snow: return Self.snowTable.map(\.blend)
        case .spatter: return Self.spatterTable.map(\.threshold)
        case .rotate: return [0.2, 0.4, 0.6, 0.8, 1.0]
        case .shear: return [0.2, 0.4, 0.6, 0.8, 1.0]
        case .scale: return [0.9, 0.8, 0.7, 0.6, 0.5]
        case .translate: return [1, 2, 3, 4, 5]
        case .stripe: return [3, 5, 7, 9, 11].map { ($0 * Double(side) / 28).rounded() }
        case .zigzag, .dottedLine: return [0.5, 0.75, 1, 2, 3]
        case .cannyEdges: return [0.2, 0.4, 0.6, 0.8, 1.0]
        }
    }

    /// Defocus blur's second parameter (the Gaussian σ that anti-aliases the disk) per level.
    static func aliasBlur(side: Int) -> [Double] { side <= 32 ? [0.4, 0.5, 0.6, 0.2, 0.1] : [0.1, 0.5, 0.5, 0.5, 0.5] }

    /// The name of the parameter, shown with every number (and part of report keys, so
    /// lower-case with underscores).
    public var parameterName: String {
        switch self {
        case .gaussianNoise: return "sigma"
        case .shotNoise: return "lambda"
        case .impulseNoise: return "amount"
        case .saturation: return "p"
        case .patchShuffle: return "k"
        case .jpeg: return "quality"
        case .brightness: return "shift"
        case .contrast: return "factor"
        case .defocusBlur: return "radius"
        case .motionBlur: return "sigma"
        case .glassBlur: return "sigma"
        case .zoomBlur: return "max_zoom"
        case .elasticTransform: return "alpha_px"
        case .pixelate: return "scale"
        case .fog: return "intensity"
        case .snow: return "image_weight"
        case .spatter: return "threshold"
        case .rotate: return "angle_rad"
        case .shear: return "shear"
        case .scale: return "scale"
        case .translate: return "shift_px"
        case .stripe: return "width_px"
        case .zigzag, .dottedLine: return "strength"
        case .cannyEdges: return "edge_weight"
        }
    }

    // MARK: - CIFAR-10-C tables (make_cifar_c.py), one row per level

    /// Motion blur: ImageMagick radius (kernel of 2r + 1 taps) and Gaussian σ of the taps.
    static let motionTable: [(radius: Int, sigma: Double)] = [(6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)]
    /// Glass blur: Gaussian σ, largest swap distance, number of swap sweeps.
    static let glassTable: [(sigma: Double, delta: Int, iterations: Int)] =
        [(0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)]
    /// Zoom blur: the number of factors 1.00, 1.01, …; numpy's `arange(1, 1.06, 0.01)` has
    /// 7 entries (it ends at 1.06 through rounding) and the later levels 12, 16, 21, 26.
    static let zoomSteps = [7, 12, 16, 21, 26]
    /// Elastic transform as fractions of the side: displacement scale, its Gaussian σ, affine jitter.
    static let elasticTable: [(alpha: Double, sigma: Double, affine: Double)] =
        [(0, 0, 0.08), (0.05, 0.2, 0.07), (0.08, 0.06, 0.06), (0.1, 0.04, 0.05), (0.1, 0.03, 0.03)]
    /// Fog: plasma intensity and the fractal's wibble decay (lower = rougher).
    static let fogTable: [(intensity: Double, decay: Double)] = [(0.2, 3), (0.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)]
    /// Snow: layer mean and σ, zoom, threshold, motion radius and σ, weight of the image.
    static let snowTable: [(mean: Double, sd: Double, zoom: Double, threshold: Double, radius: Int, sigma: Double, blend: Double)] = [
        (0.1, 0.2, 1, 0.6, 8, 3, 0.95), (0.1, 0.2, 1, 0.5, 10, 4, 0.9), (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9),
        (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85), (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8),
    ]
    /// Spatter: layer mean and σ, blur σ, threshold, intensity (water) or mud blur σ, mud?
    static let spatterTable: [(mean: Double, sd: Double, sigma: Double, threshold: Double, intensity: Double, mud: Bool)] = [
        (0.62, 0.1, 0.7, 0.7, 0.5, false), (0.65, 0.1, 0.8, 0.7, 0.5, false), (0.65, 0.3, 1, 0.69, 0.5, false),
        (0.65, 0.1, 0.7, 0.69, 0.6, true), (0.65, 0.1, 0.5, 0.68, 0.6, true),
    ]
}
