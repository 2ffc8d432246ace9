import XCTest
#if canImport(Glibc)
import Glibc
#endif
import EdgeCore
@testable import EdgeData

final class ImageFolderTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "edge-audit-folder-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func write(_ rel: String, _ bytes: [UInt8]) throws {
        let p = dir + "/" + rel
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
    }

    func img(_ v: UInt8, _ w: Int = 4, _ c: Int = 1) -> Image8 { Image8(width: w, height: 4, channels: c, pixels: [UInt8](repeating: v, count: w * 4 * c)) }

    func testLoadsMatchesClassesAndSkipsBadFiles() throws {
        try write("cat/a.png", try ImageCodec.encodePNG(img(10)))
        try write("cat/b.jpg", try ImageCodec.encodeJPEG(img(200, 4, 3), quality: 95))
        try write("dog/c.png", try ImageCodec.encodePNG(img(30)))
        try write("dog/broken.png", Array(try ImageCodec.encodePNG(img(1)).prefix(20)))
        try write("dog/wrong-size.png", try ImageCodec.encodePNG(img(1, 5)))
        try write("dog/notes.txt", Array("hi".utf8))
        let r = try ImageFolder.load(dir, classNames: ["dog", "cat"], shape: (1, 4, 4))
        XCTAssertEqual(r.images.count, 3)
        XCTAssertEqual(r.images.labels, [1, 1, 0])
        XCTAssertEqual(r.images.pixels[0], 10)
        XCTAssertEqual(Set(r.skipped.map { ($0.path as NSString).lastPathComponent }), ["broken.png", "wrong-size.png", "notes.txt"])
        XCTAssert(r.skipped.first { $0.path.hasSuffix("wrong-size.png") }!.reason.contains("5×4"))
        XCTAssertThrowsError(try ImageFolder.load(dir, classNames: ["dog", "cat"], shape: (1, 4, 4), strict: true))
    }

    func testUnknownClassFolderIsNamed() throws {
        try write("bird/a.png", try ImageCodec.encodePNG(img(10)))
        XCTAssertThrowsError(try ImageFolder.load(dir, classNames: ["dog", "cat"], shape: (1, 4, 4))) { e in
            XCTAssert("\(e)".contains("'bird'"), "\(e)")
        }
    }

    func testEmptyAndMissingFolders() throws {
        XCTAssertThrowsError(try ImageFolder.load(dir, classNames: nil, shape: (1, 4, 4))) { e in
            guard case EdgeError.badData = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try ImageFolder.load(dir + "/nope", classNames: nil, shape: (1, 4, 4))) { e in
            guard case EdgeError.missingInput = e else { return XCTFail("\(e)") }
        }
        try FileManager.default.createDirectory(atPath: dir + "/cat", withIntermediateDirectories: true)
        XCTAssertThrowsError(try ImageFolder.load(dir, classNames: nil, shape: (1, 4, 4)))
    }

    func testWriteThenLoadRoundTrips() throws {
        let set = LabeledImages(channels: 1, height: 4, width: 4, pixels: (0..<48).map { UInt8($0 * 5) }, labels: [2, 0, 1],
                                classNames: ["a", "b", "c"], sources: ["x", "y", "z"])
        try ImageFolder.write(set, to: dir)
        let back = try ImageFolder.load(dir, classNames: ["a", "b", "c"], shape: (1, 4, 4)).images
        // Sorted by class folder: a (image 1), b (image 2), c (image 0).
        XCTAssertEqual(back.labels, [0, 1, 2])
        XCTAssertEqual(Array(back.pixels[0..<16]), Array(set.pixels[16..<32]))
        XCTAssertEqual(Array(back.pixels[32..<48]), Array(set.pixels[0..<16]))
    }

    /// Class names come from model files: as folder names they never leave the target,
    /// and a name that is already safe is kept as it is.
    func testWriteSanitisesClassNamesIntoTheTarget() throws {
        let out = dir + "/a/b/out"
        let names = ["../../../../evil", "..", "ok-name", "x/y"]
        let set = LabeledImages(channels: 1, height: 2, width: 2, pixels: [UInt8](repeating: 9, count: 16), labels: [0, 1, 2, 3],
                                classNames: names, sources: ["../s0", "s1", "s2", "s3"])
        try ImageFolder.write(set, to: out, keepNames: true)
        let folders = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        XCTAssertEqual(folders.count, 4)
        XCTAssert(folders.contains("ok-name"))
        for f in folders {
            XCTAssertFalse(f.hasPrefix("."), f)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out + "/" + f).count, 1)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["a"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/a/b"), ["out"])
    }

    /// A class whose name holds '/' (Fashion-MNIST's "T-shirt/top") is read back from the
    /// folder `write` made for it and from the folder a person would type ('/' → '_');
    /// an unmatched folder's error names the accepted folder names.
    func testClassNamesWithSlashesMatchTheirFolders() throws {
        let names = ["T-shirt/top", "Trouser", "a/b"]
        let set = LabeledImages(channels: 1, height: 4, width: 4, pixels: [UInt8](repeating: 7, count: 48), labels: [0, 1, 2],
                                classNames: names, sources: ["x", "y", "z"])
        try ImageFolder.write(set, to: dir + "/w")
        XCTAssertEqual(try ImageFolder.load(dir + "/w", classNames: names, shape: (1, 4, 4)).images.labels.sorted(), [0, 1, 2])
        try write("h/T-shirt_top/a.png", try ImageCodec.encodePNG(img(1)))
        try write("h/a_b/b.png", try ImageCodec.encodePNG(img(2)))
        let typed = try ImageFolder.load(dir + "/h", classNames: names, shape: (1, 4, 4)).images
        XCTAssertEqual(typed.labels, [0, 2])
        XCTAssertEqual(typed.pixels[0], 1)
        try write("bad/T-shirt top/a.png", try ImageCodec.encodePNG(img(1)))
        XCTAssertThrowsError(try ImageFolder.load(dir + "/bad", classNames: names, shape: (1, 4, 4))) { e in
            XCTAssert("\(e)".contains("'T-shirt/top' → 'T-shirt_top~"), "\(e)")
        }
        // Two classes that read the same once '/' is replaced: the hand-typed folder is ambiguous.
        try write("amb/a_b_c/a.png", try ImageCodec.encodePNG(img(1)))
        XCTAssertThrowsError(try ImageFolder.load(dir + "/amb", classNames: ["a/b_c", "a_b/c"], shape: (1, 4, 4)))
    }

    func testIDXParserChecksSizes() {
        XCTAssertThrowsError(try IDX.parse([0, 0, 8, 1, 0, 0, 0, 5, 1, 2], path: "l"))  // claims 5, has 2
        XCTAssertEqual(try IDX.parse([0, 0, 8, 1, 0, 0, 0, 2, 7, 9], path: "l").data, [7, 9])
        XCTAssertThrowsError(try IDX.parse([0, 0, 9, 1], path: "l"))
    }

    func testFashionMNISTWhenInstalled() throws {
        guard FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory) else {
            throw XCTSkip("dataset-fashion-mnist is not installed")
        }
        let test = try FashionMNIST.load(.test)
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual(test.height, 28)
        var perClass = [Int](repeating: 0, count: 10)
        for l in test.labels { perClass[l] += 1 }
        XCTAssertEqual(perClass, [Int](repeating: 1000, count: 10))
    }

    func testSymlinksFIFOsAndCapsAreHandled() throws {
        try write("cat/a.png", try ImageCodec.encodePNG(img(10)))
        try write("cat/b.png", try ImageCodec.encodePNG(img(20)))
        let fm = FileManager.default
        // A link inside the folder is fine; one that leaves it is skipped with a warning.
        try fm.createSymbolicLink(atPath: dir + "/cat/inside.png", withDestinationPath: dir + "/cat/a.png")
        try fm.createSymbolicLink(atPath: dir + "/cat/outside.png", withDestinationPath: "/etc/hostname")
        try fm.createSymbolicLink(atPath: dir + "/escape", withDestinationPath: "/usr/share")
        // A FIFO named like an image must never be opened (reading it would block forever).
        XCTAssertEqual(mkfifo(dir + "/cat/pipe.png", 0o644), 0)
        let r = try ImageFolder.load(dir, classNames: ["cat"], shape: (1, 4, 4))
        XCTAssertEqual(r.images.count, 3)
        let reasons = Dictionary(uniqueKeysWithValues: r.skipped.map { (($0.path as NSString).lastPathComponent, $0.reason) })
        XCTAssert(reasons["outside.png"]?.contains("leaves the images folder") == true, "\(reasons)")
        XCTAssert(reasons["escape"]?.contains("leaves the images folder") == true, "\(reasons)")
        XCTAssert(reasons["pipe.png"]?.contains("FIFO") == true, "\(reasons)")
        XCTAssertThrowsError(try ImageFolder.load(dir, classNames: ["cat"], shape: (1, 4, 4), strict: true))
        // Caps: file count and file size give clear errors / skips.
        let saved = (ImageFolder.maxFiles, ImageFolder.maxFileBytes)
        defer { (ImageFolder.maxFiles, ImageFolder.maxFileBytes) = saved }
        ImageFolder.maxFiles = 1
        XCTAssertThrowsError(try ImageFolder.load(dir, classNames: ["cat"], shape: (1, 4, 4))) { e in XCTAssert("\(e)".contains("more than 1 image files")) }
        ImageFolder.maxFiles = saved.0
        ImageFolder.maxFileBytes = 10
        XCTAssertThrowsError(try ImageFolder.load(dir, classNames: ["cat"], shape: (1, 4, 4))) { e in XCTAssert("\(e)".contains("none of the"), "\(e)") }
    }
}
