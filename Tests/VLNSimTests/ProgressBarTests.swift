import VLNSim
import XCTest

final class ProgressBarTests: XCTestCase {
    /// Out-of-range progress (negative, past the total) draws a clamped bar instead of trapping.
    func testProgressBarClampsOutOfRangeCounts() {
        let bar = ProgressBar(total: 10, label: "test", force: true)
        bar.update(-3)
        bar.update(25)
        XCTAssertEqual(bar.total, 10)
    }
}
