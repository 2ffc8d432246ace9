import EdgeCore
import EdgeData

/// `data fashion-mnist`: the idx files as PNG class folders.
public enum DatasetExport {
    /// Writes `split` of Fashion-MNIST from `source` under `out`: the first `perClass`
    /// images of each class when given, then the first `limit`. Returns images and classes written.
    public static func fashionMNIST(split: String, source: String, out: String, limit: Int?, perClass: Int?,
                                    quiet: Bool) throws -> (images: Int, classes: Int) {
        guard let s = FashionMNIST.Split(rawValue: split) else { throw EdgeError.usage("--split must be train or test, got '\(split)'") }
        if let limit, limit <= 0 { throw EdgeError.usage("--limit must be positive") }
        var set = try FashionMNIST.load(s, directory: source)
        if let perClass {
            guard perClass > 0 else { throw EdgeError.usage("--per-class must be positive") }
            set = firstPerClass(set, perClass)
        }
        set = set.prefix(limit)
        let n = try ImageFolder.write(set, to: out, progress: ProgressBar("writing PNGs", total: set.count, quiet: quiet))
        return (n, set.classNames.count)
    }

    /// The first `n` images of each class, in set order.
    public static func firstPerClass(_ set: LabeledImages, _ n: Int) -> LabeledImages {
        var taken = [Int](repeating: 0, count: set.classNames.count)
        var keep: [Int] = []
        for i in 0..<set.count where taken[set.labels[i]] < n {
            taken[set.labels[i]] += 1
            keep.append(i)
        }
        return set.subset(keep)
    }
}
