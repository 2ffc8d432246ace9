import XCTest
import EdgeCore
import EdgeTools

final class EpsilonListTests: XCTestCase {
    func testFractionsAreOneIEEEDivision() throws {
        XCTAssertEqual(try EpsilonList.parse("8/255"), [8.0 / 255.0])
        XCTAssertEqual(try EpsilonList.parse("0.05,8/255"), [0.05, 8.0 / 255.0])
        XCTAssertEqual(try EpsilonList.parse(" 1/255 , 0.1 ,2/ 255"), [1.0 / 255.0, 0.1, 2.0 / 255.0])
        XCTAssertEqual(try EpsilonList.parse("1"), [1])
        // One division, not a · (1/b): for 33/255 the two differ in the last bit.
        XCTAssertEqual(try EpsilonList.parse("33/255")[0].bitPattern, (33.0 / 255.0).bitPattern)
        XCTAssertNotEqual((33.0 * (1.0 / 255.0)).bitPattern, (33.0 / 255.0).bitPattern, "the check above would not tell the two apart")
    }

    func testRejectsWhatIsNoRadius() {
        for bad in ["1/0", "-1/255", "nan", "NaN", "inf", "2", "", " ", "0", "0.1,", ",0.1", "1/2/3", "a/255", "8/", "/255", "0.1;0.2", "1e400"] {
            XCTAssertThrowsError(try EpsilonList.parse(bad), "'\(bad)'") { e in
                guard case EdgeError.usage(let m) = e else { return XCTFail("\(e)") }
                XCTAssert(m.hasPrefix("--eps must be"), m)
                XCTAssert(m.contains("'\(bad)'"), m)
            }
        }
    }

    func testBoundsAndFlagAreTheCallers() throws {
        XCTAssertEqual(try EpsilonList.parse("0,0.5", allowZero: true), [0, 0.5])
        XCTAssertEqual(try EpsilonList.parse("50,255/2", max: 200), [50, 127.5])
        XCTAssertThrowsError(try EpsilonList.parse("-0.1", allowZero: true))
        XCTAssertThrowsError(try EpsilonList.parse("1.5", flag: "--pgd-eps")) { e in
            XCTAssertEqual("\(e)", "usage error: --pgd-eps must be a comma-separated list of numbers or fractions such as 8/255 in (0, 1], got '1.5': '1.5' is above 1")
        }
    }
}
