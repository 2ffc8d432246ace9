/// Fixed-width columns for terminal tables.
public enum TextTable {
    /// `s` padded to `w` columns (left-aligned, or right-aligned with `right`), then one
    /// space of gutter. Longer text is kept whole, pushing the row right.
    public static func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
        let n = max(0, w - s.count)
        return right ? String(repeating: " ", count: n) + s + " " : s + String(repeating: " ", count: n) + " "
    }
}
