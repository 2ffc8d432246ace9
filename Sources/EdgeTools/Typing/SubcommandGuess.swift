import EdgeCore
import Foundation

/// Tells a mistyped subcommand from a model path. `edge-audit MODEL --images DIR` is the
/// audit's shorthand, so a first argument that names no subcommand would otherwise be read
/// as a model file and fail as a missing input, hiding the typo.
public enum SubcommandGuess {
    /// The usage message for `first` when it is no subcommand and no model path, else nil.
    ///
    /// An existing file, an option (leading "-") or a known name is left to the parser. Any
    /// other word is a typo when it is within edit distance 2 of a subcommand (the nearest
    /// is suggested; a transposition counts 1), or when it has neither a "/" nor a "." (a
    /// path to a model has one or the other).
    public static func message(first: String, subcommands: [String], fileExists: (String) -> Bool) -> String? {
        if first.isEmpty || first.hasPrefix("-") || subcommands.contains(first) || fileExists(first) { return nil }
        let ranked = subcommands.map { (name: $0, d: distance(first.lowercased(), $0)) }.sorted { ($0.d, $0.name) < ($1.d, $1.name) }
        if let best = ranked.first, best.d <= 2 {
            return "unknown subcommand '\(first)'; did you mean '\(best.name)'?"
        }
        if !first.contains("/") && !first.contains(".") {
            return "unknown subcommand '\(first)' (and no such model file); the subcommands are: \(subcommands.joined(separator: ", "))"
        }
        return nil
    }

    /// Throws `message`'s usage error for the first of `arguments` (the program's own path
    /// comes first and is skipped), checking the file system for a model path.
    public static func check(arguments: [String], subcommands: [String]) throws {
        guard let first = arguments.dropFirst().first,
              let m = message(first: first, subcommands: subcommands, fileExists: { FileManager.default.fileExists(atPath: $0) }) else { return }
        throw EdgeError.usage(m)
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    /// two adjacent characters each cost 1.
    public static func distance(_ a: String, _ b: String) -> Int {
        let s = Array(a), t = Array(b)
        if s.isEmpty || t.isEmpty { return max(s.count, t.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: t.count + 1), count: s.count + 1)
        for i in 0...s.count { d[i][0] = i }
        for j in 0...t.count { d[0][j] = j }
        for i in 1...s.count {
            for j in 1...t.count {
                let cost = s[i - 1] == t[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[s.count][t.count]
    }
}
