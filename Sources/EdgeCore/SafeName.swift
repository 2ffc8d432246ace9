/// Names stored in model files (layers, classes) and typed by users (gates) reach file
/// names, terminals, XML and CSV. These helpers make sure they never become a path, an
/// escape sequence or malformed markup.
public enum SafeName {
    /// Longest stored name a model may carry, in UTF-8 bytes.
    public static let maxBytes = 256

    /// Why `name` is not acceptable as a stored name (empty, longer than `maxBytes`, or
    /// holding a control character: C0, DEL or C1), or nil when it is.
    public static func problem(_ name: String, maxBytes: Int = maxBytes) -> String? {
        if name.isEmpty { return "is empty" }
        if name.utf8.count > maxBytes { return "is \(name.utf8.count) bytes long (at most \(maxBytes))" }
        if let c = name.unicodeScalars.first(where: isControl) { return "holds the control character U+\(hex(c.value))" }
        return nil
    }

    /// A file-name component for `name`: letters and digits (any script), space and
    /// `. _ - + , ( ) [ ] @ =` are kept, every other character (the path separators, control
    /// characters, `~`) becomes '_', leading dots and outer spaces are dropped and the result
    /// is at most 96 characters. When anything changed, '~' and 16 hex digits of
    /// SHA-256(name) are appended: '~' never survives sanitising, so a changed name cannot
    /// equal an unchanged one, and two changed names collide only if their hashes do.
    public static func component(_ name: String) -> String {
        var out = ""
        let extra: Set<Unicode.Scalar> = [" ", ".", "_", "-", "+", ",", "(", ")", "[", "]", "@", "="]
        for u in name.unicodeScalars {
            let ok = !isControl(u) && (u.properties.isAlphabetic || u.properties.numericType != nil || extra.contains(u))
            out.unicodeScalars.append(ok ? u : "_")
        }
        while out.hasPrefix(".") || out.hasPrefix(" ") { out.removeFirst() }
        while out.hasSuffix(" ") { out.removeLast() }
        if out.count > 96 { out = String(out.prefix(96)) }
        if out == name && !out.isEmpty { return out }
        return out + "~" + String(SHA256.hex(Array(name.utf8)).prefix(16))
    }

    /// `text` with every control character except newline and tab replaced by a visible
    /// `\u{…}` escape, so that nothing read from a file can drive a terminal.
    public static func printable(_ text: String, keepNewlines: Bool = true) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) && !(keepNewlines && ($0 == "\n" || $0 == "\t")) }) else { return text }
        var out = ""
        for u in text.unicodeScalars {
            if isControl(u) && !(keepNewlines && (u == "\n" || u == "\t")) { out += "\\u{\(hex(u.value))}" } else { out.unicodeScalars.append(u) }
        }
        return out
    }

    /// C0 controls, DEL and C1 controls.
    public static func isControl(_ u: Unicode.Scalar) -> Bool { u.value < 0x20 || (0x7F...0x9F).contains(u.value) }

    private static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
}
