import EdgeCore

/// A labelled image set held as uint8 pixels, planar per image (C·H·W), which is 4× smaller
/// than floats and exactly what the int8 net's input quantiser consumes.
public struct LabeledImages: Sendable {
    /// Channels, height, width of every image.
    public let channels: Int, height: Int, width: Int
    /// count·C·H·W bytes.
    public var pixels: [UInt8]
    /// Class index per image.
    public var labels: [Int]
    /// Class names, index = label.
    public let classNames: [String]
    /// Where each image came from (file path, or "<set>#index" for idx files).
    public var sources: [String]

    /// Builds a set; pixel and label counts must agree.
    public init(channels: Int, height: Int, width: Int, pixels: [UInt8], labels: [Int], classNames: [String], sources: [String]) {
        precondition(pixels.count == labels.count * channels * height * width && sources.count == labels.count)
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
        self.classNames = classNames
        self.sources = sources
    }

    /// Number of images.
    public var count: Int { labels.count }
    /// Elements per image.
    public var imageSize: Int { channels * height * width }

    /// Float batch (NCHW, pixel/255) of the images at `indices`.
    public func floatBatch(_ indices: [Int]) -> Tensor {
        let s = imageSize
        var out = [Float](repeating: 0, count: indices.count * s)
        pixels.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { o in
                for (b, i) in indices.enumerated() {
                    let src = px.baseAddress! + i * s
                    let dst = o.baseAddress! + b * s
                    for k in 0..<s { dst[k] = Float(src[k]) * (1 / 255) }
                }
            }
        }
        return Tensor(shape: [indices.count, channels, height, width], data: out)
    }

    /// The image at `index` as an interleaved `Image8`.
    public func image(_ index: Int) -> Image8 {
        let n = height * width
        let base = index * imageSize
        var px = [UInt8](repeating: 0, count: imageSize)
        for c in 0..<channels { for i in 0..<n { px[i * channels + c] = pixels[base + c * n + i] } }
        return Image8(width: width, height: height, channels: channels, pixels: px)
    }

    /// The first `n` images (or all when n is nil or larger).
    public func prefix(_ n: Int?) -> LabeledImages {
        guard let n, n < count else { return self }
        let m = max(n, 0)
        return LabeledImages(channels: channels, height: height, width: width,
                             pixels: Array(pixels[0..<(m * imageSize)]), labels: Array(labels[0..<m]),
                             classNames: classNames, sources: Array(sources[0..<m]))
    }
}

extension LabeledImages {
    /// A set of the same geometry and classes holding `pixels` (planar, one image per label),
    /// e.g. adversarial or corrupted versions of some of these images.
    public func withPixels(_ pixels: [UInt8], labels: [Int]) -> LabeledImages {
        LabeledImages(channels: channels, height: height, width: width, pixels: pixels, labels: labels,
                      classNames: classNames, sources: [String](repeating: "", count: labels.count))
    }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> LabeledImages {
        var px: [UInt8] = []
        px.reserveCapacity(indices.count * imageSize)
        for i in indices { px.append(contentsOf: pixels[(i * imageSize)..<((i + 1) * imageSize)]) }
        return LabeledImages(channels: channels, height: height, width: width, pixels: px,
                             labels: indices.map { labels[$0] }, classNames: classNames, sources: indices.map { sources[$0] })
    }
}
