#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A progress bar on stderr: redrawn in place on a terminal, a plain line every few
/// seconds otherwise (CI logs), silent when `quiet`.
public final class ProgressBar {
    private let label: String
    private let total: Int
    private var done = 0
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawnDone = -1
    private let isTTY: Bool
    private let quiet: Bool
    /// Extra text shown after the counters (loss, accuracy, …).
    public var detail = ""

    /// A bar for `total` units of work named `label`.
    public init(_ label: String, total: Int, quiet: Bool = false) {
        self.label = label
        self.total = max(total, 1)
        self.quiet = quiet
        self.isTTY = isatty(2) != 0
    }

    /// Marks `n` more units done.
    public func advance(_ n: Int = 1) {
        done += n
        let now = Date()
        let interval: TimeInterval = isTTY ? 0.1 : 5
        if now.timeIntervalSince(lastDraw) >= interval || done >= total { draw(now) }
    }

    /// Ends the bar with a final line.
    public func finish() {
        guard !quiet else { return }
        if drawnDone != done { draw(Date()) }
        if isTTY { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private func draw(_ now: Date) {
        guard !quiet else { return }
        lastDraw = now
        drawnDone = done
        let el = now.timeIntervalSince(start)
        let rate = el > 0 ? Double(done) / el : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let frac = min(1, Double(done) / Double(total))
        let width = 24
        let filled = Int(frac * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let text = String(format: "%@ [%@] %d/%d %.0f/s ETA %.0fs %@", label, bar, done, total, rate, eta, detail)
        if isTTY {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        } else {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }
}

/// Writes a line to stderr (warnings, summaries), never to stdout which carries results.
public func printError(_ s: String) {
    FileHandle.standardError.write(Data((SafeName.printable(s) + "\n").utf8))
}
