import EdgeCore
import EdgeCorruptions
import EdgeData

/// `edge-audit corrupt`: corrupted copies of an image folder, written in class folders.
public enum CorruptRun {
    /// The corruption called `kind`; an unknown name is a usage error listing the known ones.
    public static func corruption(named kind: String) throws -> Corruption {
        guard let c = Corruption(name: kind) else {
            throw EdgeError.usage("--kind: unknown corruption '\(kind)'; known: \(Corruption.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return c
    }

    /// Loads `images` (warning on stderr about at most 20 skipped files), applies `c` at
    /// `level` with `seed` (image i's corruption depends only on seed, kind, level and i),
    /// writes the result under `out` with the original file names and returns the summary
    /// line. A level outside the corruption's range is a usage error.
    public static func run(_ c: Corruption, images: String, level: Int, seed: UInt64, out: String) throws -> String {
        let shape = try ImageFolder.firstImageShape(images)
        let r = try ImageFolder.load(images, classNames: nil, shape: shape)
        for s in r.skipped.prefix(20) { printError("warning: skipped \(s.path): \(s.reason)") }
        let set = r.images
        let params = c.parameters(side: min(set.height, set.width))
        guard level >= 1, level <= params.count else {
            throw EdgeError.usage("--level: \(c.rawValue) has levels 1...\(params.count), got \(level)")
        }
        let outSet = try c.apply(to: set, level: level, seed: seed)
        let n = try ImageFolder.write(outSet, to: out, keepNames: true)
        return "wrote \(n) images: \(c.rawValue) level \(level) (\(c.parameterName) = \(MetricKey.number(params[level - 1]))), seed \(seed), to \(out)"
    }
}
