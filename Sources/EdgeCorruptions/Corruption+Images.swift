import EdgeCore
import EdgeData
import Foundation

extension Corruption {
    /// Corrupts every image of `set` at `level`, in parallel, and returns the result on the
    /// uint8 grid (what a camera pipeline delivers). Image i uses the generator of
    /// (seed, corruption, level, indices?[i] ?? i), so results do not depend on threads,
    /// batching or which subset is being corrupted.
    public func apply(to set: LabeledImages, level: Int, seed: UInt64, indices: [Int]? = nil) throws -> LabeledImages {
        var px = [UInt8](repeating: 0, count: set.pixels.count)
        var failure: Error? = nil
        let lock = NSLock()
        let size = set.imageSize
        px.withUnsafeMutableBufferPointer { out in
            let out = out
            Parallel.forEach(set.count) { i in
                do {
                    var g = Corruption.generator(seed: seed, corruption: self, level: level, index: indices?[i] ?? i)
                    let y = try self.apply(set.floatBatch([i]).data, channels: set.channels, height: set.height, width: set.width,
                                           level: level, rng: &g)
                    for t in 0..<size { out[i * size + t] = UInt8((min(max(y[t], 0), 1) * 255).rounded()) }
                } catch {
                    lock.lock(); failure = failure ?? error; lock.unlock()
                }
            }
        }
        if let failure { throw failure }
        return LabeledImages(channels: set.channels, height: set.height, width: set.width, pixels: px, labels: set.labels,
                             classNames: set.classNames, sources: set.sources)
    }
}
