import Foundation

/// The image grids of report.html, from `results.gallery` (GalleryStage): one table per
/// gallery section, rows and columns in the order the stage recorded them.
enum HTMLGallery {
    static func esc(_ s: String) -> String { HTMLReport.esc(s) }

    /// Known sections first, in this order, with their introductions.
    static let known: [(section: String, title: String, intro: String)] = [
        ("adversarial", "Adversarial examples",
         "PGD crafted on the float net at each ε and snapped to the uint8 grid (what the int8 net sees); beside each, "
            + "the perturbation |δ| amplified so that ε is white. Captions: each net's prediction on that image."),
        ("corruption", "Corruptions", "One image under every corruption at every level, as both nets receive it (8-bit)."),
        ("disagreement", "Float and int8 disagree", "Clean images on which the two nets predict different classes."),
    ]

    /// The gallery section, or why it is empty.
    static func section(_ report: AuditReport) -> String {
        // The saliency grid has its own section (HTMLSaliency).
        let g = report.results.gallery.filter { $0.section != "saliency" }
        var h = HTMLReport.heading("gallery")
        guard !g.isEmpty else { return h + HTMLReport.notRun(ReportFacts.notRun(report.results, ["gallery"])) }
        let labels = report.results.labels
        var order: [String] = known.map(\.section).filter { s in g.contains { $0.section == s } || labels["gallery.\(s)"] != nil }
        for img in g where !order.contains(img.section) { order.append(img.section) }
        for s in order {
            let info = known.first { $0.section == s }
            h += "<h3 id=\"gallery-\(esc(s))\">\(esc(info?.title ?? s))</h3>"
            if let intro = info?.intro { h += "<p class=\"method\">\(esc(intro))</p>" }
            // What the stage looked at (e.g. how many clean images it scanned for disagreements).
            if let said = labels["gallery.\(s)"] { h += "<p>\(esc(said)).</p>" }
            let mine = g.filter { $0.section == s }
            if !mine.isEmpty { h += grid(mine) }
        }
        return h + "\n"
    }

    /// A table of images: one row per distinct `row`, one column per distinct `column`.
    static func grid(_ images: [GalleryImage]) -> String {
        var rows: [String] = [], cols: [String] = []
        for i in images {
            if !rows.contains(i.row) { rows.append(i.row) }
            if !cols.contains(i.column) { cols.append(i.column) }
        }
        var h = "<table class=\"grid\"><tr><th></th>" + cols.map { "<th>\(esc($0))</th>" }.joined() + "</tr>"
        for row in rows {
            h += "<tr><th class=\"l\">\(esc(row))</th>"
            for col in cols {
                guard let img = images.first(where: { $0.row == row && $0.column == col }) else { h += "<td></td>"; continue }
                // Caption parts (parameter, each net's prediction) go on their own lines.
                let caption = img.caption.components(separatedBy: " · ").map(esc).joined(separator: "<br>")
                h += "<td>" + picture(img) + "<div>\(caption)</div></td>"
            }
            h += "</tr>"
        }
        return h + "</table>"
    }

    /// An inline PNG, or a note when the image cannot be encoded.
    static func picture(_ img: GalleryImage) -> String {
        guard let uri = PNGDataURI.uri(img) else { return "<i>image unavailable</i>" }
        return "<img alt=\"\(esc(img.row + " " + img.column))\" src=\"\(uri)\">"
    }
}
