import EdgeCore

/// Fashion-MNIST (Xiao et al. 2017) from Debian's `dataset-fashion-mnist` package: gzipped
/// idx files, 60k training and 10k test images of 28×28 gray pixels in ten classes.
public enum FashionMNIST {
    /// Where Debian installs the files.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"

    /// Class names in label order, as in the dataset's README.
    public static let classNames = ["T-shirt-top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle-boot"]

    /// Which half of the set.
    public enum Split: String, CaseIterable, Sendable { case train, test }

    /// Loads a split; a missing folder says which Debian package provides it.
    public static func load(_ split: Split, directory: String = defaultDirectory) throws -> LabeledImages {
        let prefix = split == .train ? "train" : "t10k"
        let imagesPath = "\(directory)/\(prefix)-images-idx3-ubyte.gz"
        let labelsPath = "\(directory)/\(prefix)-labels-idx1-ubyte.gz"
        let imageBytes: [UInt8], labelBytes: [UInt8]
        do {
            imageBytes = try ImageCodec.readGzip(imagesPath, maxSize: 64 << 20)
            labelBytes = try ImageCodec.readGzip(labelsPath, maxSize: 1 << 20)
        } catch EdgeError.missingInput(let p, let r) {
            throw EdgeError.missingInput(path: p, reason: "\(r) (install it with: apt-get install dataset-fashion-mnist)")
        }
        let images = try IDX.parse(imageBytes, path: imagesPath)
        let labels = try IDX.parse(labelBytes, path: labelsPath)
        guard images.dims.count == 3, labels.dims.count == 1, images.dims[0] == labels.dims[0] else {
            throw EdgeError.badData(path: imagesPath, reason: "idx dimensions \(images.dims) do not match labels \(labels.dims)")
        }
        let n = images.dims[0]
        var lab = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let l = Int(labels.data[i])
            guard l < classNames.count else {
                throw EdgeError.badData(path: labelsPath, reason: "label \(l) at index \(i) is not in 0..<10")
            }
            lab[i] = l
        }
        let sources = (0..<n).map { "fashion-mnist/\(split.rawValue)#\($0)" }
        return LabeledImages(channels: 1, height: images.dims[1], width: images.dims[2], pixels: Array(images.data),
                             labels: lab, classNames: classNames, sources: sources)
    }
}

/// The idx format of LeCun's MNIST files: big-endian magic (0, 0, type, rank), rank
/// big-endian u32 dimensions, then the data.
public enum IDX {
    /// Parsed unsigned-byte idx content.
    public struct Array8 {
        /// Dimensions, outermost first.
        public let dims: [Int]
        /// The elements.
        public let data: [UInt8]
    }

    /// Parses an idx file of unsigned bytes (type 0x08), checking every size first.
    public static func parse(_ b: [UInt8], path: String) throws -> Array8 {
        guard b.count >= 4, b[0] == 0, b[1] == 0 else { throw EdgeError.badData(path: path, reason: "not an idx file (bad magic)") }
        guard b[2] == 0x08 else { throw EdgeError.badData(path: path, reason: "idx element type 0x\(String(b[2], radix: 16)) is not unsigned byte") }
        let rank = Int(b[3])
        guard rank >= 1, rank <= 4, b.count - 4 >= 4 * rank else { throw EdgeError.badData(path: path, reason: "idx header truncated") }
        var dims: [Int] = []
        for r in 0..<rank {
            let o = 4 + 4 * r
            dims.append(Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3]))
        }
        let header = 4 + 4 * rank
        guard let n = ShapeMath.product(dims), n == b.count - header else {
            throw EdgeError.badData(path: path, reason: "idx dimensions \(dims) need \(ShapeMath.product(dims) ?? -1) bytes, file has \(b.count - header)")
        }
        return Array8(dims: dims, data: Array(b[header...]))
    }
}
