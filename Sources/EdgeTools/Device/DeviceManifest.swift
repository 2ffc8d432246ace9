/// One input set of a device bundle, as listed in manifest.json.
public struct DeviceSet: Codable, Equatable, Sendable {
    /// Set name, also the file stem: "clean", "fgsm-eps_0.05", "corruption-jpeg-level_3".
    public var name: String
    /// What the images are and how they were made.
    public var description: String
    /// Number of images.
    public var images: Int

    /// A set entry.
    public init(name: String, description: String, images: Int) {
        self.name = name
        self.description = description
        self.images = images
    }
}

/// manifest.json of a device bundle (docs/cross-compile.md): the layout `edge-run` and
/// `device verify` agree on.
public struct DeviceManifest: Codable, Equatable, Sendable {
    /// Layout version of the bundle.
    public var version = 1
    /// SHA-256 of model.bin, so a verify against another model's logits is caught.
    public var modelSHA256: String
    /// Input image [H, W, C] (the byte order of every sets/*.u8 image).
    public var inputHWC: [Int]
    /// Logits per image (at most 256, so host/NAME.labels holds one byte per image).
    public var classes: Int
    /// The audit profile the inputs follow.
    public var profile: String
    /// The audit seed the inputs follow.
    public var seed: UInt64
    /// The input sets, in the order the audit runs them.
    public var sets: [DeviceSet]

    /// A manifest of version 1.
    public init(modelSHA256: String, inputHWC: [Int], classes: Int, profile: String, seed: UInt64, sets: [DeviceSet]) {
        self.modelSHA256 = modelSHA256
        self.inputHWC = inputHWC
        self.classes = classes
        self.profile = profile
        self.seed = seed
        self.sets = sets
    }
}
