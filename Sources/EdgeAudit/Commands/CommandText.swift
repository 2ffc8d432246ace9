import Foundation
import EdgeCore

/// `--format` of the commands that print results: an aligned table or JSON.
public enum OutputFormat: String, Sendable {
    /// Aligned columns for a terminal.
    case table
    /// One JSON document.
    case json

    /// Parses `--format`; anything but `table` or `json` is a usage error (exit 2).
    public init(parsing text: String) throws {
        guard let f = OutputFormat(rawValue: text) else { throw EdgeError.usage("--format must be table or json") }
        self = f
    }
}

/// Column padding and number formatting shared by the command renderers.
enum CommandText {
    /// `s` padded with spaces to `w` columns (on the left when `right`), then one space.
    static func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
        let n = max(0, w - s.count)
        return right ? String(repeating: " ", count: n) + s + " " : s + String(repeating: " ", count: n) + " "
    }

    /// `v` with six decimals (`%.6f`), the JSON number format of the commands.
    static func f6(_ v: Double) -> String { String(format: "%.6f", v) }

    /// `v` as a percentage with two decimals (`12.34%`).
    static func percent(_ v: Double) -> String { String(format: "%.2f%%", v * 100) }
}
