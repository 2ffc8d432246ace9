import ArgumentParser
import EdgeData
import EdgeTools

/// `edge-audit data`: exports datasets as PNG class folders.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "data", abstract: "Export a dataset as PNG class folders.",
                                                    subcommands: [FashionMNISTExport.self])

    struct FashionMNISTExport: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "fashion-mnist", abstract: "Write Fashion-MNIST as PNG class folders.")

        @Option(help: "train or test.") var split = "test"
        @Option(help: "Output folder.") var out: String
        @Option(help: "Only the first N images.") var limit: Int?
        @Option(help: "Only N images per class (the first ones), e.g. a calibration set.") var perClass: Int?
        @Option(help: "Folder holding the idx files.") var source = FashionMNIST.defaultDirectory
        @OptionGroup var compute: ComputeOptions

        func run() throws {
            try compute.apply()
            let r = try DatasetExport.fashionMNIST(split: split, source: source, out: out, limit: limit, perClass: perClass, quiet: compute.quiet)
            print("wrote \(r.images) PNG images in \(r.classes) class folders under \(out)")
        }
    }
}
