import ArgumentParser
import EdgeTools

/// `edge-audit explain`: attribution maps of a class logit per image (EdgeTools' ExplainJob).
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Saliency maps: IG, SmoothGrad or Grad-CAM.")

    @Argument(help: "model.bin") var model: String
    @Option(help: "Images in class folders.") var images: String
    @Option(help: "ig, smoothgrad or gradcam.") var method = "ig"
    @Option(help: "IG's Riemann steps M (default 32).") var steps: Int?
    @Option(help: "SmoothGrad's noisy copies S (default 50).") var samples: Int?
    @Option(help: "SmoothGrad's noise σ in pixel units of [0, 1] (default 0.15).") var noise: Double?
    @Option(help: "float or int8 (the STE simulation: the integer engine has no gradients).") var net = "float"
    @Option(name: .customLong("class"), help: "Explain class K for every image (default: the float net's prediction).") var targetClass: Int?
    @Option(help: "Use at most N images (evenly spread).") var limit: Int?
    @Option(help: "Seed of SmoothGrad's noise.") var seed: UInt64 = 1
    @Flag(help: "Also write SmoothGrad's noise as noise.npy [N, S, C, H, W].") var saveNoise = false
    @Option(help: "Calibration images when --net int8 and the model has no int8 net.") var calibration = "calibration/fashion-mnist"
    @Option(help: "Output folder: attributions.npy, index.json, overlay-*.png (replaced as a whole).") var out: String
    @Flag(help: "Bad image files are fatal.") var strict = false
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        var job = ExplainJob(model: model, images: images, out: out)
        (job.method, job.steps, job.samples, job.noise, job.net, job.targetClass) = (method, steps, samples, noise, net, targetClass)
        (job.limit, job.seed, job.saveNoise, job.calibration, job.strict, job.quiet) = (limit, seed, saveNoise, calibration, strict, compute.quiet)
        print(try job.run())
    }
}
