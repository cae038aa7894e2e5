import XCTest
import VLNCore
import VLNScene
@testable import VLNBench

final class SceneResolverTests: XCTestCase {
    func testGeneratedIDsRoundTrip() {
        XCTAssertEqual(SceneResolver.generatedSeed(SceneResolver.generatedID(seed: 17)), 17)
        XCTAssertNil(SceneResolver.generatedSeed("mp3d/zsNo4HB9uLZ/zsNo4HB9uLZ.glb"))
        XCTAssertNil(SceneResolver.generatedSeed("generated/house-x"))
    }

    func testUnknownSceneNamesTheID() {
        let r = SceneResolver(baseDirectory: "/nonexistent")
        XCTAssertThrowsError(try r.scene("mp3d/abc/abc.glb")) { e in
            XCTAssertTrue("\(e)".contains("abc"), "\(e)")
            XCTAssertTrue("\(e)".contains("scene_id"), "\(e)")
        }
    }
}
