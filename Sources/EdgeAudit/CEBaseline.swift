import Foundation

/// Where the default mCE baseline (the shipped float LeNet-5) is found: installed beside the
/// tool (`BIN/../share/edge-audit/models/`), in the source tree it was built from
/// (`.build/<config>/` → `models/`), beside the audited model, or under `models/` here.
public enum CEBaseline {
    /// The file name of the default baseline.
    public static let fileName = "fashion-lenet5.bin"

    /// The first existing candidate, or nil.
    public static func defaultPath(modelPath: String, executable: String = CommandLine.arguments.first ?? "") -> String? {
        let exe = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [
            exe.appendingPathComponent("../share/edge-audit/models/\(fileName)").standardizedFileURL.path,
            exe.appendingPathComponent("../../models/\(fileName)").standardizedFileURL.path,
            exe.appendingPathComponent("../../../models/\(fileName)").standardizedFileURL.path,
            URL(fileURLWithPath: modelPath).deletingLastPathComponent().appendingPathComponent(fileName).path,
            "models/\(fileName)",
        ]
        return candidates.first { FileManager.default.isReadableFile(atPath: $0) }
    }
}
