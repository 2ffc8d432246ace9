/// XML and CSV text helpers for writers that other programs parse (junit.xml, HTML, CSV).
public enum XMLText {
    /// `s` escaped for an XML attribute or element: &, <, >, " and ' as entities; characters
    /// XML 1.0 forbids even as references (C0 controls but tab, newline and carriage return;
    /// U+FFFE, U+FFFF) as a visible `\u{…}` escape, so the document stays well-formed for
    /// any name. Newline, tab and CR become character references inside attributes.
    public static func attribute(_ s: String) -> String {
        var o = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            case "'": o += "&apos;"
            case "\n": o += "&#10;"
            case "\t": o += "&#9;"
            case "\r": o += "&#13;"
            default:
                if u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF || (0x7F...0x9F).contains(u.value) {
                    o += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
                } else {
                    o.unicodeScalars.append(u)
                }
            }
        }
        return o
    }

    /// `s` as one RFC 4180 CSV field: quoted (with inner quotes doubled) when it holds a
    /// comma, quote, CR or LF or starts/ends with a space; control characters other than
    /// CR/LF are made visible so a terminal showing the file cannot be driven by it.
    public static func csvField(_ s: String) -> String {
        let t = SafeName.printable(s)
        let needs = t.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) || t.hasPrefix(" ") || t.hasSuffix(" ")
        return needs ? "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : t
    }
}
