import Foundation
import VLNCore
import VLNScene
import VLNSim
import XCTest

/// Two 4 × 4 m rooms side by side (x 0…8, z 0…4), 2.6 m walls, joined by a 1 m doorway at x = 4,
/// z 1.5…2.5, which a box (instance 9, "box") blocks.
func twoRooms(blocked: Bool = true) -> Scene {
    var mesh = TriangleMesh.floorRectangle(x0: 0, z0: 0, x1: 8, z1: 4, instanceId: 1)
    let wall = RGB8(230, 230, 220)
    for b in [(Vec3(4, 1.3, -0.05), Vec3(8.2, 2.6, 0.1)), (Vec3(4, 1.3, 4.05), Vec3(8.2, 2.6, 0.1)),
              (Vec3(-0.05, 1.3, 2), Vec3(0.1, 2.6, 4)), (Vec3(8.05, 1.3, 2), Vec3(0.1, 2.6, 4)),
              (Vec3(4, 1.3, 0.75), Vec3(0.1, 2.6, 1.5)), (Vec3(4, 1.3, 3.25), Vec3(0.1, 2.6, 1.5))] {
        mesh.append(.box(center: b.0, size: b.1, color: wall, instanceId: 2))
    }
    if blocked { mesh.append(.box(center: Vec3(4, 0.5, 2), size: Vec3(0.4, 1, 1.2), color: RGB8(200, 30, 30), instanceId: 9)) }
    var instances: [UInt32: InstanceInfo] = [1: .init(id: 1, category: "floor"), 2: .init(id: 2, category: "wall")]
    if blocked { instances[9] = .init(id: 9, category: "box") }
    return Scene(name: "two_rooms", mesh: mesh, instances: instances,
                 regions: [Region(label: "west", footprint: [[0, 0], [4, 0], [4, 4], [0, 4]]),
                           Region(label: "east", footprint: [[4, 0], [8, 0], [8, 4], [4, 4]])])
}

final class SimulatorTests: XCTestCase {
    func testActionStrings() throws {
        XCTAssertEqual(try AgentAction.parseSequence("3F L 2R S"), [.moveForward, .moveForward, .moveForward, .turnLeft, .turnRight, .turnRight, .stop])
        XCTAssertEqual(try AgentAction.parseSequence("MOVE_FORWARD,TURN_LEFT,stop"), [.moveForward, .turnLeft, .stop])
        XCTAssertEqual(try AgentAction.parseSequence("1 2 3 0"), [.moveForward, .turnLeft, .turnRight, .stop])
        XCTAssertEqual(try AgentAction.parseSequence("FFl"), [.moveForward, .moveForward, .turnLeft])
        XCTAssertThrowsError(try AgentAction.parseSequence("F X")) { XCTAssertTrue("\($0)".contains("'X'"), "\($0)") }
        XCTAssertThrowsError(try AgentAction.parseSequence("F 3F4")) { XCTAssertTrue("\($0)".contains("token 2"), "\($0)") }
        // Counts that do not fit, and digits that are not ASCII, are errors, not traps.
        XCTAssertThrowsError(try AgentAction.parseSequence("999999999999999999999F")) { XCTAssertTrue("\($0)".contains("token 1"), "\($0)") }
        XCTAssertThrowsError(try AgentAction.parseSequence("٣F"))
    }

    func testActionsMoveAndTurnByVLNCEAmounts() throws {
        let sim = try Simulator(scene: twoRooms())
        try sim.reset(to: AgentState(position: Vec3(2, 0, 2), heading: 0))
        sim.step(.moveForward)  // heading 0 faces −Z
        XCTAssertEqual(sim.agent.position.z, 1.75, accuracy: 1e-5)
        XCTAssertEqual(sim.agent.position.x, 2, accuracy: 1e-5)
        sim.step(.turnLeft)
        XCTAssertEqual(sim.agent.heading.degrees, 15, accuracy: 1e-4)
        for _ in 0..<5 { sim.step(.turnLeft) }  // 90°: facing −X
        sim.step(.moveForward)
        XCTAssertEqual(sim.agent.position.x, 1.75, accuracy: 1e-4)
        XCTAssertEqual(sim.agent.position.z, 1.75, accuracy: 1e-4)
        sim.step(.stop)
        XCTAssertTrue(sim.stopped)
        let before = sim.agent
        sim.step(.moveForward)  // ignored after STOP
        XCTAssertEqual(sim.agent, before)
    }

    func testWalkingIntoAWallCollidesAndStopsOutsideTheAgentRadius() throws {
        let sim = try Simulator(scene: twoRooms())
        try sim.reset(to: AgentState(position: Vec3(2, 0, 1), heading: 0))  // 1 m from the wall at z = 0
        var collided = false
        for _ in 0..<8 { collided = sim.step(.moveForward) || collided }
        XCTAssertTrue(collided)
        // Wall inner face at z = 0; the agent (radius 0.1 m) stays at least a radius away.
        XCTAssertGreaterThanOrEqual(sim.agent.position.z, 0.1 - 1e-4)
        XCTAssertLessThan(sim.agent.position.z, 0.3)
    }

    func testCameraLooksAlongTheHeadingAndSeesTheWallAtItsDistance() throws {
        let sim = try Simulator(scene: twoRooms())
        try sim.reset(to: AgentState(position: Vec3(2, 0, 2), heading: 0))
        let obs = sim.observe()
        XCTAssertEqual(obs.rgb.width, 256)
        XCTAssertEqual(obs.camera.worldFromCamera.translation.y, 1.25, accuracy: 1e-6)
        // Facing −Z from z = 2: the wall's inner face is at z = 0, 2 m away, z-depth 2 across the wall.
        XCTAssertEqual(obs.depth[128, 128], 2, accuracy: 1e-3)
        XCTAssertEqual(obs.depth[40, 100], 2, accuracy: 1e-3)
        XCTAssertEqual(obs.instanceIds[128, 128], 2)
        // Turned right by 90° (6 × 15°) it faces +X; the doorway box (x 3.8…4.2) is 1.8 m away.
        for _ in 0..<6 { sim.step(.turnRight) }
        let right = sim.observe()
        XCTAssertEqual(right.instanceIds[128, 180], 9)  // below the horizon: the box (1 m tall) under a 1.25 m camera
        XCTAssertEqual(right.depth[128, 180], 1.8, accuracy: 1e-3)
    }

    func testTheSameScriptedEpisodeTwiceGivesIdenticalTrajectories() throws {
        let episode = ScriptedEpisode(goal: NavigationGoal(position: Vec3(3, 0, 3), radius: 0.5),
                                      actions: try AgentAction.parseSequence("4F 3L 3F 2R 6F L 2F S"))
        let start = AgentState(position: Vec3(1, 0, 3.5), heading: 0.3)
        func run() throws -> (EpisodeResult, [RGBImage]) {
            let sim = try Simulator(scene: twoRooms())
            var frames: [RGBImage] = []
            let result = try sim.run(episode, from: start) { frames.append($0.rgb) }
            return (result, frames)
        }
        let (a, fa) = try run(), (b, fb) = try run()
        XCTAssertEqual(a.steps, b.steps)
        XCTAssertEqual(fa, fb)
        XCTAssertEqual(a.steps.count, 1 + 22)
        XCTAssertNotNil(a.finalDistanceToGoal)
    }

    func testRemovingTheBlockingBoxOpensThePath() throws {
        let sim = try Simulator(scene: twoRooms())
        let west = Vec3(2, 0, 2), east = Vec3(6, 0, 2)
        XCTAssertNil(sim.navigation.geodesicDistance(from: west, to: east))
        XCTAssertEqual(sim.navigation.islandCount, 2)
        try sim.reset(to: AgentState(position: Vec3(3, 0, 2), heading: -.pi / 2))  // facing +X, at the box
        XCTAssertEqual(sim.observe().instanceIds[128, 200], 9)
        try sim.apply(.remove(instance: 9))
        XCTAssertEqual(sim.navigation.islandCount, 1)
        // Straight through the doorway: 4 m, within one 5 cm cell.
        XCTAssertEqual(try XCTUnwrap(sim.navigation.geodesicDistance(from: west, to: east)), 4, accuracy: 0.05)
        XCTAssertFalse(sim.observe().instanceIds.pixels.contains(9))
    }

    func testAddingAnObjectBlocksAndMovingItAwayReopens() throws {
        let sim = try Simulator(scene: twoRooms(blocked: false))
        let west = Vec3(2, 0, 2), east = Vec3(6, 0, 2)
        XCTAssertNotNil(sim.navigation.geodesicDistance(from: west, to: east))
        try sim.apply(.add(category: "crate", position: Vec3(4, 0, 2), size: Vec3(0.5, 0.8, 1.3)))
        XCTAssertNil(sim.navigation.geodesicDistance(from: west, to: east))
        let id = try XCTUnwrap(sim.scene.instances.values.first { $0.category == "crate" }?.id)
        try sim.apply(.move(instance: id, translation: Vec3(-1.5, 0, 0), yaw: 0))
        let d = try XCTUnwrap(sim.navigation.geodesicDistance(from: west, to: east))
        XCTAssertGreaterThan(d, 4.0)  // it now detours around the crate in the west room
        XCTAssertThrowsError(try sim.apply(.remove(instance: 999))) { XCTAssertTrue("\($0)".contains("999")) }
    }

    func testEpisodeContentErrorsNameTheField() throws {
        let sim = try Simulator(scene: twoRooms())
        let start = AgentState(position: Vec3(2, 0, 2), heading: 0)
        func check(_ ep: ScriptedEpisode, _ field: String) {
            XCTAssertThrowsError(try sim.run(ep, from: start)) { error in
                guard case let VLNError.invalidValue(f, _) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(f, field, "\(error)")
            }
        }
        check(ScriptedEpisode(actions: []), "actions")
        check(ScriptedEpisode(actions: [.moveForward, .stop, .moveForward]), "actions")
        check(ScriptedEpisode(goal: NavigationGoal(position: Vec3(100, 0, 100)), actions: [.stop]), "goal")
        check(ScriptedEpisode(actions: [.moveForward, .stop], events: [SceneEvent(step: 5, edit: .remove(instance: 9))]), "events[0].step")
        check(ScriptedEpisode(actions: [.moveForward, .stop], events: [SceneEvent(step: 1, edit: .remove(instance: 9)),
                                                                       SceneEvent(step: 1, edit: .remove(instance: 77))]), "events[1].instance")
    }

    func testRenderingWithoutASimulatorNeedsNoFloor() throws {
        // Walls only: no navigation grid can be built, but a view can be rendered.
        let walls = Scene(name: "walls", mesh: .box(center: Vec3(0, 1, -3), size: Vec3(4, 2, 0.1), instanceId: 5),
                          instances: [5: InstanceInfo(id: 5, category: "wall")])
        XCTAssertThrowsError(try Simulator(scene: walls))
        let obs = Observation.render(scene: walls, agent: AgentState(position: .zero, heading: 0))
        XCTAssertEqual(obs.depth[128, 128], 3 - 0.05, accuracy: 1e-4)
        XCTAssertEqual(obs.instanceIds[128, 128], 5)
    }

    func testAStartOutsideTheNavigableAreaIsAnError() throws {
        let sim = try Simulator(scene: twoRooms())
        for p in [Vec3(20, 0, 20), Vec3(4, 0, 2) /* inside the box */, Vec3(0.02, 0, 2) /* within the radius of a wall */] {
            XCTAssertThrowsError(try sim.reset(to: AgentState(position: p, heading: 0))) { error in
                XCTAssertTrue("\(error)".contains("start_position"), "\(error)")
                XCTAssertTrue("\(error)".contains("not navigable"), "\(error)")
            }
        }
        XCTAssertThrowsError(try sim.reset(to: AgentState(position: Vec3(.nan, 0, 1), heading: 0)))
    }

    func testEpisodeFileErrorsNameTheField() throws {
        let dir = NSTemporaryDirectory() + "vlnsim-ep-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func check(_ json: String, _ expected: String) {
            let p = dir + "/ep.json"
            try? Data(json.utf8).write(to: URL(fileURLWithPath: p))
            XCTAssertThrowsError(try ScriptedEpisode.load(path: p)) { error in
                XCTAssertTrue("\(error)".contains("ep.json"), "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "expected '\(expected)' in \(error)")
            }
        }
        check(#"{"start_position": [1, 0, 1]}"#, "actions")
        check(#"{"actions": "F", "events": [{"step": 1, "type": "explode", "instance": 3}]}"#, "events[0].type")
        check(#"{"actions": "F", "events": [{"type": "remove"}]}"#, "events[0].step")
        check(#"{"actions": "F", "start_position": [1, 0]}"#, "start_position")
        check(#"{"actions": "F", "start_position": [1, 0, 1], "start_rotation": [0, 0, 0, 2]}"#, "start_rotation")
        check(#"{"actions": "F Q"}"#, "actions")
        check("{\"actions\": \n\"F\",,}", "ep.json:2")
        let ok = dir + "/ok.json"
        try Data(#"{"scene": "house.json", "actions": ["MOVE_FORWARD", "STOP"], "start_position": [1, 0, 1], "start_heading_deg": 90, "events": [{"step": 1, "type": "move", "instance": 3, "translation": [1, 0, 0], "yaw_deg": 90}]}"#.utf8).write(to: URL(fileURLWithPath: ok))
        let ep = try ScriptedEpisode.load(path: ok)
        XCTAssertEqual(ep.actions, [.moveForward, .stop])
        XCTAssertEqual(ep.scene, dir + "/house.json")
        XCTAssertEqual(try XCTUnwrap(ep.start).heading.degrees, 90, accuracy: 1e-4)
        XCTAssertEqual(ep.events, [SceneEvent(step: 1, edit: .move(instance: 3, translation: Vec3(1, 0, 0), yaw: Float(90).radians))])
    }
}
