import Foundation
import VLNCore
import VLNNavigation
import VLNScene
import XCTest

final class NavigationGridTests: XCTestCase {
    let cs: Float = 0.05
    let r: Float = 0.1

    // MARK: Analytic: a flat floor

    func flatFloor(_ size: Float = 4) throws -> NavigationGrid {
        var b = BoxSceneBuilder()
        b.floor(x: 0...size, z: 0...size)
        return try NavigationGrid(scene: b.scene)
    }

    func testFlatFloorAreaAndEdges() throws {
        let grid = try flatFloor()
        // Navigable = the floor shrunk by the agent radius on every side: (4 − 2r)².
        let expected = (4 - 2 * r) * (4 - 2 * r)
        XCTAssertEqual(grid.navigableArea, expected, accuracy: (4 - 2 * r) * cs, "one cell row")
        XCTAssertEqual(grid.islandCount, 1)
        XCTAssertEqual(grid.largestIsland, 0)
        XCTAssertEqual(grid.islandArea(0), grid.navigableArea)
        XCTAssertTrue(grid.isNavigable(Vec3(2, 0, 2)))
        XCTAssertFalse(grid.isNavigable(Vec3(0.05, 0, 2)))
        XCTAssertFalse(grid.isNavigable(Vec3(2, 0, 3.95)))
        XCTAssertTrue(grid.isNavigable(Vec3(0.13, 0, 2)))
        XCTAssertFalse(grid.isNavigable(Vec3(2, 2, 2)), "1 m above the floor: beyond maxYDelta")
        XCTAssertFalse(grid.isNavigable(Vec3(-3, 0, 2)), "outside the grid")

        // Snap: a point 0.5 m outside lands on the navigable edge, at floor height.
        let s = try XCTUnwrap(grid.snapPoint(Vec3(-0.5, 3, 2)))
        XCTAssertTrue(grid.isNavigable(s))
        XCTAssertEqual(s.x, r, accuracy: cs)
        XCTAssertEqual(s.z, 2, accuracy: cs)
        XCTAssertEqual(s.y, 0, accuracy: 1e-5)
        XCTAssertNil(grid.snapPoint(Vec3(-5, 0, 2)), "farther than maxSnapDistance")
        let inside = try XCTUnwrap(grid.snapPoint(Vec3(1.234, 0.3, 2.345)))
        XCTAssertEqual(inside, Vec3(1.234, 0, 2.345), "a navigable point snaps to itself at floor height")

        // Cell access round trip and states.
        let c = try XCTUnwrap(grid.cellIndex(of: Vec3(2, 0, 2)))
        XCTAssertEqual(grid.cellState(i: c.i, j: c.j), .navigable)
        let centre = grid.cellCenter(i: c.i, j: c.j)
        XCTAssertEqual(centre.x, 2, accuracy: cs); XCTAssertEqual(centre.z, 2, accuracy: cs)
        let e = try XCTUnwrap(grid.cellIndex(of: Vec3(0.05, 0, 2)))
        XCTAssertEqual(grid.cellState(i: e.i, j: e.j), .floor)
        let o = try XCTUnwrap(grid.cellIndex(of: Vec3(-0.04, 0, 2)))
        XCTAssertEqual(grid.cellState(i: o.i, j: o.j), .outside)
        XCTAssertEqual(grid.cellSize, cs)
    }

    func testAClosedBoxTallerThanTheAgentIsSolidInside() throws {
        // A 1 × 2 × 1.4 m wardrobe on a 4 × 4 m floor: its walls cross the agent's band, its inside does not; its
        // bottom face at floor level marks the inside as solid, so no island hides inside it.
        var b = BoxSceneBuilder()
        b.floor(x: 0...4, z: 0...4)
        b.box(Vec3(1.5, 0, 1.3), Vec3(2.5, 2.0, 2.7), "wardrobe")
        let grid = try NavigationGrid(scene: b.scene)
        XCTAssertFalse(grid.isNavigable(Vec3(2, 0, 2)))
        XCTAssertEqual(grid.islandCount, 1)
        // Area: the floor shrunk by r, minus the wardrobe grown by r (rounded corners ignored: within 2 cell rows).
        let expected = (4 - 2 * r) * (4 - 2 * r) - (1 + 2 * r) * (1.4 + 2 * r)
        XCTAssertEqual(grid.navigableArea, expected, accuracy: 2 * 4 * cs * 2)
    }

    func testARugDoesNotBlockAndAPlainMeshFindsItsFloor() throws {
        // A 1.2 cm rug (a closed box, so it has an underside) lies below maxClimb: walkable.
        var b = BoxSceneBuilder()
        b.floor(x: 0...4, z: 0...4)
        b.box(Vec3(1, 0, 1), Vec3(3, 0.012, 3), "rug")
        let grid = try NavigationGrid(scene: b.scene)
        XCTAssertTrue(grid.isNavigable(Vec3(2, 0, 2)))
        XCTAssertEqual(grid.navigableArea, (4 - 2 * r) * (4 - 2 * r), accuracy: (4 - 2 * r) * cs)
        // The same floor and a table, with no category at all: the lowest upward faces are the floor.
        var plain = TriangleMesh.box(lower: Vec3(0, -0.1, 0), upper: Vec3(4, 0, 4))
        plain.append(.box(lower: Vec3(1, 0, 1), upper: Vec3(2, 0.75, 2)))
        let g2 = try NavigationGrid(scene: Scene(name: "plain", mesh: plain))
        XCTAssertTrue(g2.isNavigable(Vec3(3, 0, 3)))
        XCTAssertFalse(g2.isNavigable(Vec3(1.5, 0, 1.5)))
        XCTAssertEqual(g2.navigableArea, (4 - 2 * r) * (4 - 2 * r) - (1 + 2 * r) * (1 + 2 * r), accuracy: 2 * 4 * cs * 2)
    }

    func testSceneWithoutFloorThrows() {
        // Only a vertical wall: no floor category, and no upward-facing surface to fall back on.
        let wall = TriangleMesh(vertices: [Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(0, 2, 0)], triangles: [[0, 1, 2]])
        XCTAssertThrowsError(try NavigationGrid(scene: Scene(name: "wall", mesh: wall))) { error in
            XCTAssertTrue("\(error)".contains("no floor geometry"), "\(error)")
        }
        XCTAssertThrowsError(try NavigationSettings(cellSize: 0).validate())
        XCTAssertThrowsError(try NavigationSettings(agentHeight: 0.1, maxClimb: 0.2).validate())
        XCTAssertNoThrow(try NavigationSettings().validate())
    }

    // MARK: Shapes: an L-shaped corridor

    /// Two 1 m wide arms: A along x (x ∈ [0, 6], z ∈ [0, 1]) and B along z (x ∈ [5, 6], z ∈ [1, 5]); walls
    /// 0.1 m thick all round; the inner corner of the walls is at (5, 1).
    func lCorridor() -> Scene {
        var b = BoxSceneBuilder()
        b.floor(x: 0...6, z: 0...1)
        b.floor(x: 5...6, z: 1...5)
        b.wall(x: -0.1...6.1, z: -0.1...0)     // south
        b.wall(x: -0.1...5, z: 1...1.1)        // north of arm A
        b.wall(x: -0.1...0, z: 0...1)          // west end
        b.wall(x: 6...6.1, z: 0...5)           // east
        b.wall(x: 4.9...5, z: 1...5)           // west of arm B
        b.wall(x: 4.9...6.1, z: 5...5.1)       // north end
        return b.scene
    }

    func testLCorridorGeodesicMatchesClosedForm() throws {
        let grid = try NavigationGrid(scene: lCorridor())
        XCTAssertEqual(grid.islandCount, 1)
        let a = Vec3(0.5, 0, 0.5), bEnd = Vec3(5.5, 0, 4.5)
        // Closed form: the taut string from A to B wraps the inner wall corner (5, 1) inflated by the agent
        // radius, taken as the point P = (5 + r, 1 − r) (the true inflated corner is a quarter circle of radius r
        // around (5, 1), which shortens the path by < 0.01 m; we neglect that arc).
        let p = Vec3(5 + r, 0, 1 - r)
        let expected = distance(a, p) + distance(p, bEnd)
        let d = try XCTUnwrap(grid.geodesicDistance(from: a, to: bEnd))
        XCTAssertEqual(d, expected, accuracy: cs, "geodesic \(d) vs closed form \(expected)")
        XCTAssertEqual(try XCTUnwrap(grid.geodesicDistance(from: bEnd, to: a)), expected, accuracy: cs)

        // The path: starts at A, ends at B, has a corner, its length is the distance, every leg is navigable.
        let path = try XCTUnwrap(grid.shortestPath(from: a, to: bEnd))
        XCTAssertGreaterThanOrEqual(path.count, 3)
        XCTAssertEqual(distance(path.first!, a), 0, accuracy: 1e-4)
        XCTAssertEqual(distance(path.last!, bEnd), 0, accuracy: 1e-4)
        var len: Float = 0
        for k in 1..<path.count {
            len += distance(path[k - 1], path[k])
            for s in 0...50 {
                let q = path[k - 1] + (path[k] - path[k - 1]) * (Float(s) / 50)
                XCTAssertTrue(grid.isNavigable(q), "path leg \(k) leaves the navigable cells at \(q)")
            }
        }
        XCTAssertEqual(len, d, accuracy: 1e-3)

        // Distance field to B agrees with the point query.
        let field = grid.distanceField(to: [bEnd])
        XCTAssertEqual(try XCTUnwrap(field.distance(from: a)), d, accuracy: cs)
        XCTAssertEqual(try XCTUnwrap(field.distance(from: bEnd)), 0, accuracy: 1e-5)
        let wp = try XCTUnwrap(field.nextWaypoint(from: a))
        // The first corner lies on the inflated (rounded) inner corner: about r from the wall corner (5, 1).
        let wallCorner = Vec3(5, 0, 1)
        XCTAssertGreaterThanOrEqual(distance(wp, wallCorner), r)
        XCTAssertLessThanOrEqual(distance(wp, wallCorner), r + 2 * cs, "first corner \(wp)")
    }

    func testOpenFloorGeodesicIsStraightLine() throws {
        let grid = try flatFloor(10)
        var rng = SeededRandom(seed: 7)
        for _ in 0..<20 {
            let a = Vec3(rng.uniform(0.3, 9.7), 0, rng.uniform(0.3, 9.7))
            let b = Vec3(rng.uniform(0.3, 9.7), 0, rng.uniform(0.3, 9.7))
            let d = try XCTUnwrap(grid.geodesicDistance(from: a, to: b))
            XCTAssertEqual(d, distance(a, b), accuracy: cs)
        }
    }

    // MARK: Dynamic scene: two rooms, a doorway blocked by a box

    /// Two 4 × 4 m rooms side by side (x ∈ [0, 4] and [4.1, 8.1]) on one floor slab, split by a wall
    /// x ∈ [4, 4.1] with a 1 m doorway at z ∈ [1.5, 2.5]; a box fills the doorway.
    func twoRooms() -> (Scene, box: UInt32) {
        var b = BoxSceneBuilder()
        addWalledRoom(&b, x: 0...8.1, z: 0...4)
        b.wall(x: 4...4.1, z: 0...1.5)
        b.wall(x: 4...4.1, z: 2.5...4)
        let box = b.box(Vec3(3.8, 0, 1.4), Vec3(4.3, 1, 2.6), "box")
        return (b.scene, box)
    }

    func testDoorwayBlockedThenOpened() throws {
        var (scene, box) = twoRooms()
        let a = Vec3(1, 0, 1), bEnd = Vec3(7.2, 0, 1)
        let blocked = try NavigationGrid(scene: scene)
        XCTAssertEqual(blocked.islandCount, 2)
        XCTAssertNotEqual(blocked.islandID(of: a), blocked.islandID(of: bEnd))
        XCTAssertNil(blocked.geodesicDistance(from: a, to: bEnd))
        XCTAssertNil(blocked.shortestPath(from: a, to: bEnd))
        XCTAssertNil(blocked.distanceField(to: [bEnd]).distance(from: a))
        let c = try XCTUnwrap(blocked.cellIndex(of: Vec3(4.05, 0, 0.5)))
        XCTAssertEqual(blocked.cellState(i: c.i, j: c.j), .obstacle, "wall over the floor slab")
        // Wall faces on cell boundaries block only the cells behind them (the wall's own), not their neighbours.
        for x: Float in [3.975, 4.125] {
            let n = try XCTUnwrap(blocked.cellIndex(of: Vec3(x, 0, 0.5)))
            XCTAssertEqual(blocked.cellState(i: n.i, j: n.j), .floor, "x = \(x) is free floor next to the wall")
        }

        try scene.removeInstance(box)
        let open = try NavigationGrid(scene: scene)
        XCTAssertEqual(open.islandCount, 1)
        XCTAssertEqual(open.islandID(of: a), open.islandID(of: bEnd))
        // Closed form: A → lower doorway corner of the wall's west face inflated by r, (4 − r, 1.5 + r) →
        // the same on the east face, (4.1 + r, 1.5 + r) → B.
        let p1 = Vec3(4 - r, 0, 1.5 + r), p2 = Vec3(4.1 + r, 0, 1.5 + r)
        let expected = distance(a, p1) + distance(p1, p2) + distance(p2, bEnd)
        let d = try XCTUnwrap(open.geodesicDistance(from: a, to: bEnd))
        XCTAssertEqual(d, expected, accuracy: 2 * cs, "two corners, one cell each")
        XCTAssertGreaterThan(d, distance(a, bEnd))
    }

    func testZeroThicknessWallsBlock() throws {
        // A 6 × 2 m floor split by two single vertical quads (zero thickness): one exactly on a cell boundary
        // (x = 2), one off the boundaries (x = 4.013).
        var b = BoxSceneBuilder()
        b.floor(x: 0...6, z: 0...2)
        for x: Float in [2, 4.013] {
            let quad = TriangleMesh(vertices: [Vec3(x, 0, -0.1), Vec3(x, 0, 2.1), Vec3(x, 2.5, 2.1), Vec3(x, 2.5, -0.1)],
                                    triangles: [SIMD3(0, 1, 2), SIMD3(0, 2, 3)])
            b.scene.addInstance(quad, category: "wall")
        }
        let grid = try NavigationGrid(scene: b.scene)
        XCTAssertEqual(grid.islandCount, 3)
        XCTAssertNil(grid.geodesicDistance(from: Vec3(1, 0, 1), to: Vec3(3, 0, 1)))
        XCTAssertNil(grid.geodesicDistance(from: Vec3(3, 0, 1), to: Vec3(5, 0, 1)))
        let stopped = grid.tryStep(from: Vec3(1, 0, 1), to: Vec3(3, 0, 1))
        XCTAssertLessThanOrEqual(stopped.x, 2 - r + 1e-3, "no penetration within the agent radius")
        XCTAssertGreaterThan(stopped.x, 2 - r - 2 * cs)
    }

    // MARK: Collision and sliding

    func testTryStepStopsAtWallAndSlides() throws {
        var b = BoxSceneBuilder()
        addWalledRoom(&b, x: 0...4, z: 0...4)
        let grid = try NavigationGrid(scene: b.scene)
        // Free motion reaches the target exactly.
        let free = grid.tryStep(from: Vec3(2, 0, 2), to: Vec3(2.2, 0, 1.9))
        XCTAssertEqual(distance(free, Vec3(2.2, 0, 1.9)), 0, accuracy: 1e-4)
        // Straight into the south wall (face at z = 0): stops at the inflated wall, never within r of it.
        let hit = grid.tryStep(from: Vec3(2, 0, 0.5), to: Vec3(2, 0, -1))
        XCTAssertGreaterThanOrEqual(hit.z, r - 1e-3)
        XCTAssertLessThanOrEqual(hit.z, r + cs)
        XCTAssertEqual(hit.x, 2, accuracy: 1e-5)
        XCTAssertTrue(grid.isNavigable(hit))
        // Diagonally into it: slides along x.
        let slid = grid.tryStep(from: Vec3(2, 0, 0.3), to: Vec3(2.5, 0, -0.2))
        XCTAssertGreaterThan(slid.x - 2, 0.2, "slides along the wall")
        XCTAssertGreaterThanOrEqual(slid.z, r - 1e-3)
        XCTAssertTrue(grid.isNavigable(slid))
        // Into a corner: stays navigable, moves no further than the corner allows.
        let corner = grid.tryStep(from: Vec3(0.5, 0, 0.5), to: Vec3(-1, 0, -1))
        XCTAssertTrue(grid.isNavigable(corner))
        XCTAssertGreaterThanOrEqual(min(corner.x, corner.z), r - 1e-3)
        // Deterministic.
        XCTAssertEqual(grid.tryStep(from: Vec3(2, 0, 0.3), to: Vec3(2.5, 0, -0.2)), slid)
    }

    // MARK: Cross-checks

    func testMultiGoalIsMinOfSingleGoals() throws {
        var (scene, box) = twoRooms()
        try scene.removeInstance(box)
        let grid = try NavigationGrid(scene: scene)
        var rng = SeededRandom(seed: 42)
        for _ in 0..<5 {
            let start = try XCTUnwrap(grid.randomNavigablePoint(using: &rng))
            var goals: [Vec3] = []
            for _ in 0..<4 { goals.append(try XCTUnwrap(grid.randomNavigablePoint(using: &rng))) }
            let singles = goals.compactMap { grid.geodesicDistance(from: start, to: $0) }
            XCTAssertEqual(singles.count, goals.count)
            let multi = try XCTUnwrap(grid.geodesicDistance(from: start, to: goals))
            XCTAssertEqual(multi, singles.min()!)
            // The distance field (a different algorithm: one multi-source search) agrees to its accuracy.
            let field = grid.distanceField(to: goals)
            XCTAssertEqual(try XCTUnwrap(field.distance(from: start)), multi, accuracy: cs + 0.01 * multi)
            // Geodesic ≥ straight line.
            XCTAssertGreaterThanOrEqual(multi + 1e-4, goals.map { distance(start, $0) }.min()!)
        }
        XCTAssertNil(grid.geodesicDistance(from: Vec3(1, 0, 1), to: [Vec3]()))
    }

    func testRandomPointsAreNavigableAndSeeded() throws {
        let (scene, _) = twoRooms()
        let grid = try NavigationGrid(scene: scene)
        var r1 = SeededRandom(seed: 3), r2 = SeededRandom(seed: 3)
        for island in 0..<grid.islandCount {
            for _ in 0..<50 {
                let p = try XCTUnwrap(grid.randomNavigablePoint(using: &r1, island: island))
                XCTAssertTrue(grid.isNavigable(p))
                XCTAssertEqual(grid.islandID(of: p), island)
                XCTAssertEqual(grid.randomNavigablePoint(using: &r2, island: island), p)
            }
        }
        XCTAssertEqual(grid.islandArea(0) + grid.islandArea(1), grid.navigableArea, accuracy: 1e-3)
    }

    // MARK: Point clouds

    func testLabelledPointCloudFloorWithHolesBecomesNavigable() throws {
        var rng = SeededRandom(seed: 11)
        // 4 × 4 m floor sampled on a 3 cm grid jittered by ±1 cm, with 12 holes of radius up to 6 cm.
        var holes: [(Vec2, Float)] = []
        for _ in 0..<12 { holes.append((Vec2(rng.uniform(0.5, 3.5), rng.uniform(0.5, 3.5)), rng.uniform(0.03, 0.06))) }
        var positions: [Vec3] = [], labels: [UInt16] = []
        let step: Float = 0.03
        for a in 0...Int(4 / step) {
            for c in 0...Int(4 / step) {
                let x = min(4, max(0, Float(a) * step + rng.uniform(-0.01, 0.01)))
                let z = min(4, max(0, Float(c) * step + rng.uniform(-0.01, 0.01)))
                if holes.contains(where: { length(SIMD3($0.0.x - x, 0, $0.0.y - z)) < $0.1 }) { continue }
                positions.append(Vec3(x, rng.uniform(-0.01, 0.01), z)); labels.append(1)
            }
        }
        // A pillar of non-floor points (label 2) at (3, 3), radius 0.1 m, 0…1 m high.
        for k in 0..<400 {
            let ang = Float(k) * 0.37, y = Float(k % 20) * 0.05
            positions.append(Vec3(3 + 0.1 * cos(ang), y, 3 + 0.1 * sin(ang))); labels.append(2)
        }
        let cloud = PointCloud(positions: positions, semanticLabels: labels)
        let scene = Scene(name: "scan", points: cloud, labelNames: [1: "floor", 2: "column"])
        let grid = try NavigationGrid(scene: scene)
        XCTAssertEqual(grid.islandCount, 1)
        // Every cell farther than r + one cell from the floor's edge and from the pillar is navigable: no holes.
        var missing = 0
        for j in 0..<grid.height {
            for i in 0..<grid.width {
                let c = grid.cellCenter(i: i, j: j)
                let inner = min(c.x, c.z, 4 - c.x, 4 - c.z) > r + cs
                let awayFromPillar = length(Vec3(c.x - 3, 0, c.z - 3)) > 0.1 + r + 2 * cs
                if inner && awayFromPillar && grid.cellState(i: i, j: j) != .navigable { missing += 1 }
            }
        }
        XCTAssertEqual(missing, 0, "holes left in the point-cloud floor")
        XCTAssertFalse(grid.isNavigable(Vec3(3, 0, 3)), "the pillar blocks")
        XCTAssertFalse(grid.isNavigable(Vec3(3.15, 0, 3)), "within r of the pillar")
        XCTAssertEqual(grid.navigableArea, (4 - 2 * r) * (4 - 2 * r) - Float.pi * 0.2 * 0.2, accuracy: 0.6)
    }

    // MARK: Determinism

    func testTwoBuildsAreIdentical() throws {
        let scene = lCorridor()
        let g1 = try NavigationGrid(scene: scene), g2 = try NavigationGrid(scene: scene)
        XCTAssertEqual(g1.width, g2.width); XCTAssertEqual(g1.height, g2.height); XCTAssertEqual(g1.origin, g2.origin)
        for j in 0..<g1.height {
            for i in 0..<g1.width {
                XCTAssertEqual(g1.cellState(i: i, j: j), g2.cellState(i: i, j: j))
                XCTAssertEqual(g1.floorHeight(i: i, j: j), g2.floorHeight(i: i, j: j))
            }
        }
        XCTAssertEqual(g1.geodesicDistance(from: Vec3(0.5, 0, 0.5), to: Vec3(5.5, 0, 4.5)),
                       g2.geodesicDistance(from: Vec3(0.5, 0, 0.5), to: Vec3(5.5, 0, 4.5)))
    }

    // MARK: Seeded stress: a generated house of ~10k triangles (reports the build time)

    func testBuildTimeForTenThousandTriangleHouse() throws {
        var b = BoxSceneBuilder()
        addWalledRoom(&b, x: 0...15, z: 0...12)
        // Interior walls on a 5 × 4 m room grid, each with a 1 m doorway.
        for x: Float in [5, 10] {
            for z0: Float in [0, 4, 8] { b.wall(x: x...(x + 0.1), z: z0...(z0 + 1.5)); b.wall(x: x...(x + 0.1), z: (z0 + 2.5)...(z0 + 4)) }
        }
        for z: Float in [4, 8] {
            for x0: Float in [0, 5, 10] { b.wall(x: x0...(x0 + 1.5), z: z...(z + 0.1)); b.wall(x: (x0 + 2.5)...(x0 + 5), z: z...(z + 0.1)) }
        }
        // Furniture: 80 pieces, each a stack of up to 10 boxes on one footprint (shelves, cabinets).
        var rng = SeededRandom(seed: 1)
        while b.scene.mesh.triangleCount < 10_000 {
            let x = rng.uniform(0.5, 14), z = rng.uniform(0.5, 11)
            let sx = rng.uniform(0.3, 0.8), sz = rng.uniform(0.3, 0.8)
            for level in 0..<10 where b.scene.mesh.triangleCount < 10_000 {
                let y0 = Float(level) * 0.2
                b.box(Vec3(x, y0, z), Vec3(x + sx, y0 + 0.18, z + sz), "box")
            }
        }
        let scene = b.scene
        _ = try NavigationGrid(scene: scene)   // warm up
        let t0 = Date()
        let runs = 5
        var grid: NavigationGrid? = nil
        for _ in 0..<runs { grid = try NavigationGrid(scene: scene) }
        let ms = Date().timeIntervalSince(t0) * 1000 / Double(runs)
        let g = try XCTUnwrap(grid)
        print("NavigationGrid build: \(scene.mesh.triangleCount) triangles, \(g.width)×\(g.height) cells, "
              + "\(String(format: "%.1f", ms)) ms, navigable \(g.navigableArea) m², \(g.islandCount) islands")
        XCTAssertGreaterThan(g.navigableArea, 50)
        XCTAssertLessThan(g.navigableArea, 15 * 12)
        var rng2 = SeededRandom(seed: 2)
        let island = try XCTUnwrap(g.largestIsland)
        let t1 = Date()
        var found = 0
        for _ in 0..<20 {
            let a = try XCTUnwrap(g.randomNavigablePoint(using: &rng2, island: island))
            let c = try XCTUnwrap(g.randomNavigablePoint(using: &rng2, island: island))
            if let d = g.geodesicDistance(from: a, to: c) { found += 1; XCTAssertGreaterThanOrEqual(d + 1e-4, distance(a, c)) }
        }
        XCTAssertEqual(found, 20)
        let t2 = Date()
        let field = g.distanceField(to: [try XCTUnwrap(g.randomNavigablePoint(using: &rng2, island: island))])
        let t3 = Date()
        XCTAssertTrue(field.hasGoals)
        print("geodesicDistance: \(String(format: "%.2f", t2.timeIntervalSince(t1) * 1000 / 20)) ms/query; "
              + "distanceField: \(String(format: "%.1f", t3.timeIntervalSince(t2) * 1000)) ms")
        if ms > 1000 { XCTFail("grid build took \(ms) ms") }
    }
}
