import EdgeCore
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The file boundary helpers: regular-file-only bounded reads, writes that never replace
/// what is not a regular file, safe names, XML/CSV text, and the atomic report folder.
final class FileBoundaryTests: XCTestCase {
    var tmp = ""
    override func setUpWithError() throws {
        tmp = NSTemporaryDirectory() + "edge-core-fb-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: tmp) }

    func testReadRefusesNonRegularFilesWithoutBlocking() throws {
        let fifo = tmp + "/f"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        XCTAssertThrowsError(try AtomicFile.read(fifo)) { XCTAssert("\($0)".contains("a FIFO"), "\($0)") }
        XCTAssertThrowsError(try AtomicFile.read("/dev/zero")) { XCTAssert("\($0)".contains("character device"), "\($0)") }
        XCTAssertThrowsError(try AtomicFile.read(tmp)) { XCTAssert("\($0)".contains("folder"), "\($0)") }
        XCTAssertThrowsError(try AtomicFile.read(tmp + "/none")) { XCTAssertEqual(($0 as? EdgeError)?.exitCode, 66) }
    }

    func testReadCapCountsBytesReadNotTheReportedSize() throws {
        // /proc files report size 0 but hold data: the cap must still bite.
        XCTAssertThrowsError(try AtomicFile.read("/proc/self/maps", limit: 16)) { XCTAssert("\($0)".contains("more than the limit"), "\($0)") }
        XCTAssertGreaterThan(try AtomicFile.read("/proc/self/maps", limit: 1 << 24).count, 16)
        let f = tmp + "/ten"
        try AtomicFile.write([UInt8](repeating: 7, count: 10), to: f)
        XCTAssertEqual(try AtomicFile.read(f, limit: 10), [UInt8](repeating: 7, count: 10))
        XCTAssertThrowsError(try AtomicFile.read(f, limit: 9))
    }

    func testWriteNeverReplacesWhatIsNotARegularFile() throws {
        let fifo = tmp + "/fifo"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let target = tmp + "/t"
        try AtomicFile.write([1], to: target)
        let link = tmp + "/l"
        XCTAssertEqual(symlink(target, link), 0)
        for p in ["/dev/null", fifo, link, tmp] {
            XCTAssertThrowsError(try AtomicFile.write([9, 9], to: p)) { XCTAssertEqual(($0 as? EdgeError)?.exitCode, 73, "\(p)") }
        }
        XCTAssertEqual(FileKind.of(link, followSymlinks: false), .symlink)
        XCTAssertEqual(FileKind.of(fifo, followSymlinks: false), .fifo)
        XCTAssertEqual(FileKind.of("/dev/null", followSymlinks: false), .characterDevice)
        XCTAssertEqual(try AtomicFile.read(target), [1])
        try AtomicFile.write([2, 3], to: target)
        XCTAssertEqual(try AtomicFile.read(target), [2, 3])
        // No temporary file is left beside the target.
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: tmp)), ["fifo", "t", "l"])
    }

    func testStaleTempsOfDeadProcessesAreRemoved() throws {
        let target = tmp + "/m.bin"
        // pid 2^22+1 exceeds Linux's pid_max: certainly not running.
        try Data([1]).write(to: URL(fileURLWithPath: tmp + "/.m.bin.edge-audit-tmp-4194305-77"))
        try Data([1]).write(to: URL(fileURLWithPath: tmp + "/.m.bin.edge-audit-tmp-\(getpid())-78"))
        AtomicFile.removeStaleTemps(besides: target)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp), [".m.bin.edge-audit-tmp-\(getpid())-78"])
    }

    func testSafeComponentsNeverLeaveTheFolderAndNeverCollide() {
        let hostile = ["../../../../x", "..", ".", "", "a/b", "a_b", "a~b", ".hidden", "x\u{1B}[2J", "CON", String(repeating: "é", count: 300),
                       "T-shirt-top", "Ankle boot", "a\u{0}b", "/etc/passwd", "a\\b"]
        var seen = [String: String]()
        for h in hostile {
            let c = SafeName.component(h)
            XCTAssertFalse(c.isEmpty)
            XCTAssertFalse(c.contains("/"), c)
            XCTAssertFalse(c.hasPrefix("."), c)
            XCTAssertNotEqual(c, "..")
            XCTAssertFalse(c.unicodeScalars.contains(where: SafeName.isControl), c)
            XCTAssertLessThanOrEqual(c.count, 96 + 17)
            if let other = seen[c] { XCTFail("\(h) and \(other) both became \(c)") }
            seen[c] = h
        }
        // Safe names are kept as they are (class folders keep matching class names).
        XCTAssertEqual(SafeName.component("T-shirt-top"), "T-shirt-top")
        XCTAssertEqual(SafeName.component("Ankle boot"), "Ankle boot")
        XCTAssert(SafeName.component("a/b").contains("~"))
    }

    func testPrintableAndStoredNameRules() {
        XCTAssertEqual(SafeName.printable("a\u{1B}[31mb\nc"), "a\\u{001B}[31mb\nc")
        XCTAssertEqual(SafeName.printable("plain"), "plain")
        XCTAssertNil(SafeName.problem("conv1"))
        XCTAssertNotNil(SafeName.problem(""))
        XCTAssertNotNil(SafeName.problem("a\u{7}"))
        XCTAssertNotNil(SafeName.problem("a\u{9B}b"))
        XCTAssertNotNil(SafeName.problem(String(repeating: "x", count: 257)))
    }

    func testXMLAndCSVText() {
        let x = XMLText.attribute("a\u{1}<&>\"'\n")
        XCTAssertEqual(x, "a\\u{1}&lt;&amp;&gt;&quot;&apos;&#10;")
        XCTAssertEqual(XMLText.csvField("plain"), "plain")
        XCTAssertEqual(XMLText.csvField("a,b"), "\"a,b\"")
        XCTAssertEqual(XMLText.csvField("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(XMLText.csvField("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(XMLText.csvField("\u{1B}[2J"), "\\u{001B}[2J")
    }

    func testReportFolderSwapsWholeSetsAndCleansUp() throws {
        let out = tmp + "/r"
        let files: Set<String> = ["a.json", "b.html"]
        do {
            let f = try ReportFolder(out, allowed: files)
            // A second writer is refused while the first holds the lock.
            XCTAssertThrowsError(try ReportFolder(out, allowed: files)) { XCTAssert("\($0)".contains("another edge-audit run"), "\($0)") }
            try f.commit([("a.json", [1]), ("b.html", [1])])
            f.release()
        }
        XCTAssertEqual(try AtomicFile.read(out + "/a.json"), [1])
        // Leftovers of a killed run: a staging folder and an old set.
        try FileManager.default.createDirectory(atPath: tmp + "/.r.edge-audit-new-12345", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: tmp + "/.r.edge-audit-old-12345", withIntermediateDirectories: true)
        let g = try ReportFolder(out, allowed: files)
        try g.commit([("a.json", [2]), ("b.html", [2])])
        g.release()
        XCTAssertEqual(try AtomicFile.read(out + "/a.json"), [2])
        XCTAssertEqual(try AtomicFile.read(out + "/b.html"), [2])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp), ["r"])
        // A folder holding anything else is not replaced.
        try Data([0]).write(to: URL(fileURLWithPath: out + "/mine.txt"))
        XCTAssertThrowsError(try ReportFolder(out, allowed: files)) { XCTAssertEqual(($0 as? EdgeError)?.exitCode, 73) }
        XCTAssertThrowsError(try ReportFolder(out + "/a.json", allowed: files))
        XCTAssertThrowsError(try ReportFolder(".", allowed: files))
    }
}
