import EdgeCore
import Foundation

/// The one parser for ε lists typed on the command line (`--eps 0.05,8/255`): people write
/// budgets as fractions of the pixel range, so `a/b` is accepted beside decimal numbers.
public enum EpsilonList {
    /// Parses comma-separated numbers or fractions `a/b` (spaces around items allowed).
    ///
    /// `a/b` is computed as `Double(a) / Double(b)`, one IEEE division, so `8/255` equals the
    /// literal `8.0 / 255.0` exactly. Every value must be finite and in (0, `max`], or
    /// [0, `max`] with `allowZero` (an attack's clean baseline).
    /// - Throws: `EdgeError.usage` naming `flag`, the whole text and the item at fault.
    public static func parse(_ text: String, flag: String = "--eps", max: Double = 1, allowZero: Bool = false) throws(EdgeError) -> [Double] {
        let range = "\(allowZero ? "[" : "(")0, \(shortNumber(max))]"
        func fail(_ why: String) -> EdgeError {
            .usage("\(flag) must be a comma-separated list of numbers or fractions such as 8/255 in \(range), got '\(text)': \(why)")
        }
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !(items.count == 1 && items[0].isEmpty) else { throw fail("it is empty") }
        var out: [Double] = []
        for item in items {
            guard !item.isEmpty else { throw fail("an empty item") }
            let v: Double
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 2 {
                guard let a = number(parts[0]), let b = number(parts[1]) else { throw fail("'\(item)' is not a fraction of two numbers") }
                guard b != 0 else { throw fail("'\(item)' divides by zero") }
                v = a / b
            } else {
                guard parts.count == 1, let a = number(parts[0]) else { throw fail("'\(item)' is not a number") }
                v = a
            }
            guard v.isFinite else { throw fail("'\(item)' is not finite") }
            guard allowZero ? v >= 0 : v > 0 else { throw fail("'\(item)' is \(allowZero ? "negative" : "not positive")") }
            guard v <= max else { throw fail("'\(item)' is above \(shortNumber(max))") }
            out.append(v)
        }
        return out
    }

    /// A bound as people write it: 1 rather than 1.0.
    private static func shortNumber(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }

    /// A decimal number; Swift's parser also takes "nan" and "inf", which the caller refuses.
    private static func number(_ s: Substring) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces)
        return t.isEmpty ? nil : Double(t)
    }
}

