import Foundation
import VLNCore
import XCTest

final class GeometryTests: XCTestCase {
    func testHalfTurnsAreWritten180() {
        // The half turn is `Float.pi` (π rounded toward zero) and also −`Float.pi`.
        XCTAssertEqual(Float.pi.headingDegrees, 180)
        XCTAssertEqual((-Float.pi).headingDegrees, 180)
        XCTAssertEqual(Float.pi.degrees, 180)
        XCTAssertEqual((-Float.pi).degrees, -180, "the plain conversion is not a heading")
        // Headings given in degrees are wrapped exactly before conversion: 540° is the half turn 180° is.
        for d: Float in [180, -180, 540, -540, 900, -900, 180 + 360 * 100] {
            XCTAssertEqual(d.headingRadians, .pi, "\(d)°")
            XCTAssertEqual(d.headingRadians.headingDegrees, 180, "\(d)°")
        }
        // 3π as a float is 2.4e-7 beyond 3 · Float.pi: not exactly a half turn, but a heading in range next to it.
        for a: Float in [3 * .pi, -3 * .pi, 5 * .pi] {
            XCTAssertEqual(abs(a.headingDegrees), 180, accuracy: 1e-4, "\(a) rad")
        }
        XCTAssertEqual(Float(0).headingDegrees, 0)
        XCTAssertEqual(Float(-0.0).headingDegrees.sign, .plus, "−0 is written 0")
        XCTAssertEqual((2 * Float.pi).headingDegrees, 0)
        XCTAssertEqual(Float(90).radians.headingDegrees, 90, accuracy: 1e-5)
        XCTAssertEqual(Float(-90).radians.headingDegrees, -90, accuracy: 1e-5)
        XCTAssertEqual(Float(270).radians.headingDegrees, -90, accuracy: 1e-4)
        XCTAssertEqual(Float(-179).radians.headingDegrees, -179, accuracy: 1e-4)
        XCTAssertEqual(Float(181).radians.headingDegrees, -179, accuracy: 1e-4)
        XCTAssertEqual(Float(270).headingRadians, Float(-90).radians)
        XCTAssertEqual(Float(-0.0).headingRadians, 0)
    }

    func testHeadingDegreesIsAlwaysInRangeAndAgreesWithDegrees() {
        func check(_ a: Float, file: StaticString = #filePath, line: UInt = #line) {
            let d = a.headingDegrees
            XCTAssertTrue(d > -180 && d <= 180, "\(a) rad → \(d)°", file: file, line: line)
            // The same direction as the plain conversion (to float precision of the angle).
            let diff = remainder(Double(d) - Double(a) * 180 / .pi, 360)
            XCTAssertLessThan(abs(diff), 1e-4 + Double(abs(a)) * 1e-5, "\(a) rad → \(d)°", file: file, line: line)
        }
        // Every float within 64 ulps of ±π, ±3π, 0.
        for c: Float in [.pi, -.pi, 3 * .pi, -3 * .pi, 0] {
            var up = c, down = c
            for _ in 0..<64 { check(up); check(down); up = up.nextUp; down = down.nextDown }
        }
        var rng = SeededRandom(seed: 11)
        for _ in 0..<20_000 { check(rng.uniform(-40, 40)) }
        for k in -40...40 { check(Float(k) * Float(15).radians) }
    }

    func testWrapAngleIsInMinusPiToPi() {
        XCTAssertEqual(wrapAngle(.pi), .pi)
        XCTAssertEqual(wrapAngle(-.pi), .pi)
        XCTAssertEqual(wrapAngle(3 * .pi), (3 * Float.pi) - 4 * .pi, "3π as a float is past 3 · Float.pi: −π + ε")
        XCTAssertEqual(wrapAngle(2 * .pi), 0)
        XCTAssertEqual(wrapAngle(1), 1)
        var rng = SeededRandom(seed: 3)
        for _ in 0..<20_000 {
            let a = rng.uniform(-100, 100), w = wrapAngle(a)
            XCTAssertTrue(w > -.pi && w <= .pi, "\(a) → \(w)")
            XCTAssertLessThan(abs(remainder(Double(w) - Double(a), 2 * Double(Float.pi))), 1e-5)
        }
    }

    func testQuaternionHeadingOfAHalfTurnIsFloatPi() {
        // atan2 gives ±3.1415927 for a half turn, −3.1415927 for [0, 1, 0, 0] (forward x is −0).
        for q in [Quaternion(x: 0, y: 1, z: 0, w: 0), Quaternion(x: 0, y: -1, z: 0, w: 0), Quaternion(x: 0, y: 1, z: 0, w: -0.0),
                  Quaternion(x: -0.0, y: -1, z: -0.0, w: -0.0), Quaternion(heading: .pi), Quaternion(heading: -.pi)] {
            XCTAssertEqual(q.heading, .pi, "\(q)")
        }
        XCTAssertEqual(Quaternion.identity.heading, 0)
        for d: Float in [-179, -90, -15, 15, 90, 179] {
            XCTAssertEqual(Quaternion(heading: d.radians).heading, d.radians, accuracy: 1e-6, "\(d)°")
        }
    }
}
