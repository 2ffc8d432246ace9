import Foundation

/// ONNX metadata_props: every entry kept as a property; class labels from `labels`,
/// `classes` or `class_names` (a JSON array of strings, a JSON object from index to name,
/// or one label per line); preprocessing from `mean` and `std` (comma-separated floats,
/// for inputs in [0, 1]).
enum ONNXMetadata {
    static let labelKeys = ["labels", "classes", "class_names"]

    static func read(_ model: Onnx_ModelProto, path: String) throws -> ImportedMetadata {
        let opset = model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version ?? 0
        var meta = ImportedMetadata(producer: "\(model.producerName) \(model.producerVersion)".trimmingCharacters(in: .whitespaces),
                                    formatVersion: Int(clamping: opset))
        for p in model.metadataProps {
            guard p.key.utf8.count <= 256, p.value.utf8.count <= ImportLimits.maxStringBytes else {
                throw ImportError(.limitExceeded, path: path, location: "ModelProto.metadata_props", offset: -1,
                                  "entry '\(p.key.prefix(64))' is too long")
            }
            meta.properties[p.key] = p.value
        }
        if let key = labelKeys.first(where: { meta.properties[$0] != nil }), let text = meta.properties[key] {
            let labels = parseLabels(text)
            guard labels.count <= ImportLimits.maxLabels else {
                throw ImportError(.limitExceeded, path: path, location: "ModelProto.metadata_props['\(key)']", offset: -1,
                                  "more than \(ImportLimits.maxLabels) labels")
            }
            if !labels.isEmpty {
                meta.labels = labels
                meta.labelSource = "ONNX metadata_props['\(key)']"
            }
        }
        if let m = meta.properties["mean"].flatMap(floats), let s = meta.properties["std"].flatMap(floats),
           !m.isEmpty, m.count == s.count, s.allSatisfy({ $0 > 0 }) {
            meta.preprocessing = Preprocessing(inputScale: 1 / 255, mean: m, std: s, source: "ONNX metadata_props mean/std")
        }
        return meta
    }

    static func parseLabels(_ text: String) -> [String] {
        if let data = text.data(using: .utf8), let json = try? JSONSerialization.jsonObject(with: data) {
            if let a = json as? [String] { return a }
            if let d = json as? [String: String] {
                let keyed = d.compactMap { k, v in Int(k).map { ($0, v) } }.sorted { $0.0 < $1.0 }
                if keyed.count == d.count, keyed.enumerated().allSatisfy({ $0.offset == $0.element.0 }) { return keyed.map(\.1) }
            }
            return []
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    static func floats(_ text: String) -> [Float]? {
        let parts = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count <= 16, parts.allSatisfy({ $0 != nil && $0!.isFinite }) else { return nil }
        return parts.compactMap { $0 }
    }
}
