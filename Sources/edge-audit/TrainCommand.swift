import ArgumentParser
import EdgeCore
import EdgeTools

/// `edge-audit train`: trains a float net and writes model.bin.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train LeNet-5/ResNet-8: CE or CEB, PGD-AT or TRADES.")

    @Option(help: "Architecture: lenet5 or resnet8.") var arch = "lenet5"
    @Option(help: "fashion-mnist, or a folder of class folders.") var dataset = "fashion-mnist"
    @Option(help: "Test folder when --dataset is a folder (default: measure on the training folder).") var testImages: String?
    @Option(help: "Epochs.") var epochs = 15
    @Option(help: "Batch size.") var batch = 128
    @Option(help: "Optimiser: sgd or adam.") var optimizer = "adam"
    @Option(help: "Peak learning rate (cosine decay to 0). Default: 1e-3 for adam, 0.05 for sgd.") var lr: Double?
    @Option(help: "Weight decay. Default: 0 for adam, 5e-4 for sgd.") var weightDecay: Double?
    @Option(help: "Seed of every random draw.") var seed: UInt64 = 1
    @Option(help: "Adversarial training: none, pgd (PGD-AT) or trades (TRADES).") var adversarial = "none"
    @Option(help: "PGD-AT / TRADES radius (L∞, pixels in [0,1]).") var eps: Double = 0.1
    @Option(help: "PGD-AT / TRADES step size.") var stepSize: Double = 0.02
    @Option(help: "PGD-AT / TRADES steps.") var steps = 7
    @Option(help: "TRADES' KL weight β (default 6); only with --adversarial trades.") var beta: Double?
    @Option(help: "Objective: ce (cross-entropy) or ceb (Conditional Entropy Bottleneck).") var objective = "ce"
    @Option(help: "CEB's target ρ, γ = e^(−ρ); required with --objective ceb.") var rho: Double?
    @Option(help: "CEB: steps over which γ goes from e^(−100) to e^(−ρ) (default: a tenth of the run).") var rhoAnnealSteps: Int?
    @Option(help: "Use only the first N training images.") var limit: Int?
    @Option(help: "Output model file.") var out: String
    @Option(help: "Information planes: measure before training, every K epochs and after the last; needs --mi-log.") var miEvery: Int?
    @Option(help: "Information-plane inputs: clean and/or pgd (PGD-L∞ at --mi-eps on the current net).") var miInputs = "clean"
    @Option(help: "Information-plane sample: N test images, evenly spread.") var miSamples = 1000
    @Option(help: "PGD radius of the information-plane inputs (default: --eps).") var miEps: Double?
    @Option(help: "Information-plane KDE noise variance σ², the same for every layer (mi instead picks one per layer by default; docs/experiments/information-flow.md used 30).") var miSigma2 = 0.1
    @Option(help: "Information-plane binning width λ (as mi --bin-size).") var miBinSize = 0.5
    @Option(help: "Write the information-plane log (JSON, bits) here, and its plot beside it (.html).") var miLog: String?
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        try compute.apply()
        var job = TrainJob(out: out)
        (job.arch, job.dataset, job.testImages, job.epochs, job.batch, job.optimizer, job.lr, job.weightDecay, job.seed) =
            (arch, dataset, testImages, epochs, batch, optimizer, lr, weightDecay, seed)
        (job.adversarial, job.eps, job.stepSize, job.steps, job.limit, job.quiet) = (adversarial, eps, stepSize, steps, limit, compute.quiet)
        (job.beta, job.objective, job.rho, job.rhoAnnealSteps) = (beta, objective, rho, rhoAnnealSteps)
        (job.miEvery, job.miInputs, job.miSamples, job.miEps, job.miSigma2, job.miBinSize, job.miLog) =
            (miEvery, miInputs, miSamples, miEps, miSigma2, miBinSize, miLog)
        print(try job.run())
    }
}
