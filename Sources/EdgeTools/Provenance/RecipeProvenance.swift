import EdgeCore
import EdgeImport
import EdgeData
import EdgeFloat
import EdgeModel
import EdgeQuant
import EdgeTrain

/// The PROV records `train` and `quantize` write (docs/model-format.md, "PROV").
public enum RecipeProvenance {
    /// Checks a recipe before any work, so a path the section cannot hold (a control
    /// character, over 4096 bytes) is a usage error naming it rather than a failure after
    /// training.
    public static func check(_ command: [String]) throws {
        for a in command {
            if let why = SafeName.problem(a, maxBytes: Provenance.Limits.maxArgumentBytes) {
                throw EdgeError.usage("'\(a.unicodeScalars.map { $0.value < 0x20 ? "?" : String($0) }.joined())' cannot be recorded in the model's provenance: it \(why)")
            }
        }
    }

    /// The record for `command` with `inputs`, stamped with this build's version and commit.
    public static func make(_ command: [String], inputs: [Provenance.Input]) -> Provenance {
        let (commit, origin) = SourceCommit.current()
        return Provenance(toolVersion: SourceCommit.toolVersion, sourceCommit: commit, sourceCommitOrigin: origin,
                          command: command, inputs: inputs, floatBackend: clipped(Gemm.backendConfig, Provenance.Limits.maxBackendBytes),
                          floatKernel: clipped(Gemm.kernelCore, Provenance.Limits.maxShortBytes))
    }

    /// `s` without control characters and cut to `cap` bytes (it comes from a C library).
    static func clipped(_ s: String, _ cap: Int) -> String? {
        var out = ""
        for u in s.unicodeScalars where u.value >= 0x20 && u.value < 0x7F {
            guard out.utf8.count < cap else { break }
            out.unicodeScalars.append(u)
        }
        return out.isEmpty ? nil : out
    }

    /// The normalised `train` command: every option that shapes the model's bytes, defaults
    /// filled in (so a later change of a default cannot change what the recipe means); the
    /// output, threads, progress and the information-plane log (which only observes) are left
    /// out. An option added to `train` that changes the model belongs here too —
    /// scripts/reproduce-models.sh --full fails when a shipped model's recipe lacks one.
    public static func trainCommand(_ job: TrainJob, _ cfg: TrainingConfig) -> [String] {
        var a = ["train", "--arch", job.arch, "--dataset", job.dataset]
        if let t = job.testImages { a += ["--test-images", t] }
        a += ["--epochs", "\(job.epochs)", "--batch", "\(job.batch)", "--optimizer", job.optimizer,
              "--lr", "\(cfg.effectiveLearningRate)", "--weight-decay", "\(cfg.effectiveWeightDecay)",
              "--seed", "\(job.seed)", "--adversarial", job.adversarial]
        if job.adversarial != "none" { a += ["--eps", "\(job.eps)", "--step-size", "\(job.stepSize)", "--steps", "\(job.steps)"] }
        if let t = cfg.trades { a += ["--beta", "\(t.beta)"] }
        if case let .ceb(c) = cfg.objective {
            a += ["--objective", "ceb", "--rho", "\(c.rho)"]
            if let n = c.annealSteps { a += ["--rho-anneal-steps", "\(n)"] }
        }
        if let l = job.limit { a += ["--limit", "\(l)"] }
        return a
    }

    /// `model` stamped with the train record: the command and the digests of the training
    /// images actually used (after --limit) and the test images.
    public static func trained(_ model: Model, command: [String], train: LabeledImages, test: LabeledImages, dataset: String,
                               testImages: String?) -> Model {
        var m = model
        m.provenance = make(command, inputs: [Provenance.Input(role: "train-set", path: dataset, sha256: train.contentSHA256),
                                              Provenance.Input(role: "test-set", path: testImages ?? dataset, sha256: test.contentSHA256)])
        return m
    }

    /// The normalised `quantize` command and its record: the source model by path and content
    /// digest, the calibration folder as resolved and its images' digest.
    /// An imported source (TFLite/ONNX) is digested as its whole file, and the flags it was
    /// read with (`importArguments`) join the command.
    public static func quantize(source: String, sourceBytes: [UInt8], importArguments: [String] = [], calibration: String, images: LabeledImages,
                                options: Quantizer.Options) throws -> Provenance {
        var command = ["quantize", source, "--calibration", calibration, "--method", options.method.rawValue]
        if options.perTensor { command.append("--per-tensor") }
        command += importArguments
        try check(command)
        let imported = ModelFormat.detect(sourceBytes).map { $0 != .edgeModel } ?? false
        let digest = imported ? SHA256.hex(sourceBytes) : try ModelFile.contentSHA256(sourceBytes, path: source)
        return make(command, inputs: [Provenance.Input(role: "model", path: source, sha256: digest),
                                      Provenance.Input(role: "calibration", path: calibration, sha256: images.contentSHA256)])
    }
}
