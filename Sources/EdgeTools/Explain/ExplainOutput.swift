import EdgeCore
import EdgeData
import EdgeInformation
import EdgeMetrics
import Foundation

/// What `explain` writes: attributions.npy (float32 [N, C, H, W], .npy version 1,
/// little-endian, C order), index.json (settings and one entry per image, in the array's
/// order), overlay-<i>.png per image and, with --save-noise, noise.npy [N, S, C, H, W].
public enum ExplainOutput {
    /// The maps and per-image facts of a run, in image order.
    public struct Result {
        /// Channels per map (the input's; 1 for Grad-CAM).
        public var channels: Int
        /// [N, channels, H, W].
        public var values: [Float] = []
        /// SmoothGrad's noise [N, S, C, H, W] when kept.
        public var noise: [Float] = []
        /// The explained class per image.
        public var classes: [Int] = []
        /// f_c(x) and, for IG, f_c(0) on the explained net.
        public var logits: [Double] = [], baselineLogits: [Double?] = []
        /// Where the classes came from (`float prediction` or `--class K`).
        public var classSource = "float prediction"

        /// An empty result of maps with `channels` channels.
        public init(channels: Int) { self.channels = channels }
    }

    /// The file names the output folder may hold (anything else makes it not ours to replace).
    public static func accepts(_ name: String) -> Bool {
        if ["attributions.npy", "index.json", "noise.npy"].contains(name) { return true }
        guard name.hasPrefix("overlay-"), name.hasSuffix(".png") else { return false }
        let digits = name.dropFirst(8).dropLast(4)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// The overlay of image `i` of `n`: zero-padded to at least five digits.
    public static func overlayName(_ i: Int, of n: Int) -> String {
        let width = max(5, String(max(n - 1, 0)).count), s = String(i)
        return "overlay-" + String(repeating: "0", count: max(0, width - s.count)) + s + ".png"
    }

    /// Every file of the folder, name and bytes.
    public static func files(_ r: Result, set: LabeledImages, options o: SaliencyOptions, net: String, model: String,
                             classes: [String]) throws -> [(String, [UInt8])] {
        let n = set.count, p = set.height * set.width, per = r.channels * p
        var out: [(String, [UInt8])] = [("attributions.npy", NpyArray.encodeFloat32(r.values, shape: [n, r.channels, set.height, set.width]))]
        if !r.noise.isEmpty {
            out.append(("noise.npy", NpyArray.encodeFloat32(r.noise, shape: [n, o.samples, set.channels, set.height, set.width])))
        }
        out.append(("index.json", Array(index(r, set: set, options: o, net: net, model: model, classes: classes).utf8)))
        for i in 0..<n {
            let m = Saliency.pixelMap(r.values[(i * per)..<((i + 1) * per)], channels: r.channels)
            let px = Array(set.pixels[(i * set.imageSize)..<((i + 1) * set.imageSize)])
            let rgb = SaliencyOverlay.rgb(map: m, image: px, channels: set.channels)
            var hwc = [UInt8](repeating: 0, count: 3 * p)
            for ch in 0..<3 { for q in 0..<p { hwc[q * 3 + ch] = rgb[ch * p + q] } }
            out.append((overlayName(i, of: n), try ImageCodec.encodePNG(Image8(width: set.width, height: set.height, channels: 3, pixels: hwc))))
        }
        return out
    }

    /// A JSON number, or null when not finite.
    static func number(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "null" }
        return String(format: "%.9g", v)
    }

    /// index.json: what was computed, how, and one entry per image.
    static func index(_ r: Result, set: LabeledImages, options o: SaliencyOptions, net: String, model: String, classes: [String]) -> String {
        let q = JSONText.quote
        let per = r.channels * set.height * set.width
        var h = "{\n  \"model\": \(q(model)),\n  \"net\": \(q(net)),\n  \"method\": \(q(o.method.rawValue)),\n"
        h += "  \"description\": \(q(o.described)),\n  \"score\": \"logit\",\n  \"class_source\": \(q(r.classSource)),\n"
        switch o.method {
        case .ig: h += "  \"steps\": \(o.steps),\n  \"baseline\": \"zeros\",\n  \"riemann\": \"right\",\n"
        case .smoothgrad: h += "  \"samples\": \(o.samples),\n  \"noise_sigma\": \(number(o.noise)),\n  \"seed\": \(o.seed),\n  \"gradients\": \"plain (signed)\",\n"
        case .gradcam: h += "  \"upsampling\": \"bilinear, half-pixel centres (align_corners=False)\",\n"
        }
        h += "  \"shape\": [\(set.count), \(r.channels), \(set.height), \(set.width)],\n  \"images\": [\n"
        for i in 0..<set.count {
            let c = r.classes[i]
            let sum = r.values[(i * per)..<((i + 1) * per)].reduce(0.0) { $0 + Double($1) }
            var e = "    {\"index\": \(i), \"path\": \(q(set.sources[i])), \"label\": \(q(set.classNames[set.labels[i]])), "
            e += "\"class\": \(c), \"class_name\": \(q(c < classes.count ? classes[c] : "class \(c)")), "
            e += "\"logit\": \(number(r.logits[i])), \"sum\": \(number(sum)), "
            if let z = r.baselineLogits[i] { e += "\"baseline_logit\": \(number(z)), " }
            e += "\"overlay\": \(q(overlayName(i, of: set.count)))}"
            h += e + (i + 1 < set.count ? ",\n" : "\n")
        }
        return h + "  ]\n}\n"
    }
}
