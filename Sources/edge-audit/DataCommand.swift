import ArgumentParser
import EdgeCore
import EdgeData

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
            guard let s = FashionMNIST.Split(rawValue: split) else { throw EdgeError.usage("--split must be train or test, got '\(split)'") }
            if let limit, limit <= 0 { throw EdgeError.usage("--limit must be positive") }
            var set = try FashionMNIST.load(s, directory: source)
            if let perClass {
                guard perClass > 0 else { throw EdgeError.usage("--per-class must be positive") }
                var taken = [Int](repeating: 0, count: set.classNames.count)
                var keep: [Int] = []
                for i in 0..<set.count where taken[set.labels[i]] < perClass {
                    taken[set.labels[i]] += 1
                    keep.append(i)
                }
                set = set.subset(keep)
            }
            set = set.prefix(limit)
            let n = try ImageFolder.write(set, to: out, progress: ProgressBar("writing PNGs", total: set.count, quiet: compute.quiet))
            print("wrote \(n) PNG images in \(set.classNames.count) class folders under \(out)")
        }
    }
}
