import Foundation
import VLNCore
import VLNRender
import VLNScene
import VLNTestSupport
import XCTest

/// `Renderer.Mode.rasterize` against `Renderer.Mode.rayCast`: the fill rule on closed forms first, then named cases
/// (near-plane clipping, grazing, behind the camera), then seeded poses in generated and shipped houses.
final class RasterizerTests: XCTestCase {
    /// How a rasterised frame differs from the ray-cast one of the same camera, pixel by pixel. A pixel is
    /// - *equal* when the instance ids agree, the z-depths are within `depthTolerance` (relative) and the colours
    ///   within `colorTolerance` levels;
    /// - else an *edge* pixel when the triangle the ray caster hits at the centre, or a triangle that gives what the
    ///   rasteriser gave there (same instance; its plane's z-depth and its shading at the centre within the
    ///   tolerances), has an edge within 0.01 pixel of the centre (rays through 16 points 0.01 pixel away do not all
    ///   agree on meeting it): the two methods round the centre to different sides of that edge;
    /// - else a *coincident* pixel when both triangles contain the 0.01-pixel disc around the centre and lie at the
    ///   same z-depth there (within 1e-5 relative): two faces overlap in one plane (z-fighting), where the ray
    ///   caster's choice is rounding noise and the rasteriser's the lower triangle index;
    /// - else *unexplained*.
    struct Agreement: CustomStringConvertible {
        static let depthTolerance: Float = 1e-4, colorTolerance = 1
        var pixels = 0
        /// Pixels with the same instance id (background included), whatever the class.
        var sameId = 0
        var equal = 0, edge = 0, coincident = 0, unexplained = 0
        /// Coincident pixels whose instance ids differ (two instances' faces overlap in one plane).
        var coincidentIds = 0
        /// The first few unexplained pixels `(x, y)`, for the failure message.
        var unexplainedPixels: [(Int, Int)] = []
        /// Pixels that are background in one frame only.
        var backgroundMismatch = 0
        /// Largest relative z-depth difference and largest colour difference (levels) over the equal pixels.
        var maxDepthError: Float = 0
        var maxColorError = 0

        var idAgreement: Double { pixels == 0 ? 1 : Double(sameId) / Double(pixels) }
        /// The same over the pixels that do not see two instances' coincident faces.
        var idAgreementOffCoincidentFaces: Double { pixels == coincidentIds ? 1 : Double(sameId) / Double(pixels - coincidentIds) }
        mutating func add(_ o: Agreement) {
            pixels += o.pixels; sameId += o.sameId; equal += o.equal; edge += o.edge; coincident += o.coincident
            coincidentIds += o.coincidentIds
            unexplained += o.unexplained; backgroundMismatch += o.backgroundMismatch
            unexplainedPixels += o.unexplainedPixels.prefix(max(0, 5 - unexplainedPixels.count))
            maxDepthError = max(maxDepthError, o.maxDepthError); maxColorError = max(maxColorError, o.maxColorError)
        }
        var description: String {
            let pct = { (n: Int) in String(format: "%.4f %%", 100 * Double(n) / Double(max(pixels, 1))) }
            return "\(pixels) pixels: ids equal on \(pct(sameId)) (" + String(format: "%.4f %%", 100 * idAgreementOffCoincidentFaces)
                + " off coincident faces); equal \(pct(equal)), edge \(edge) (\(pct(edge))), "
                + "coincident faces \(coincident) (\(pct(coincident)), \(coincidentIds) of other instances), unexplained \(unexplained)"
                + (unexplainedPixels.isEmpty ? "" : " (\(unexplainedPixels.map { "\($0.0),\($0.1)" }.joined(separator: " ")))")
                + "; background mismatches \(backgroundMismatch); "
                + String(format: "over the equal pixels max depth error %.2e relative, max colour error %d", Double(maxDepthError), maxColorError)
        }
    }

    /// The triangle a ray from the camera centre through the image point `(x, y)` (pixels) hits first, nil on a
    /// miss.
    static func triangleSeen(_ bvh: BVH, _ camera: Camera, _ x: Float, _ y: Float) -> Int? {
        let pose = camera.worldFromCamera
        return bvh.intersect(origin: pose.translation, direction: pose.applyToDirection(camera.intrinsics.cameraRay(x: x, y: y)))?.triangleIndex
    }

    /// Triangle `t` of the scene's mesh as seen through the centre of pixel `(x, y)`, whether or not the ray hits it
    /// inside its edges: instance, the z-depth of its plane there (double precision) and its shading with that ray.
    static func surface(_ scene: Scene, _ t: Int, _ camera: Camera, _ x: Int, _ y: Int) -> (id: UInt32, depth: Float, rgb: RGB8) {
        let pose = camera.worldFromCamera
        let d = pose.applyToDirection(camera.intrinsics.cameraRay(x: Float(x) + 0.5, y: Float(y) + 0.5))
        let (a, b, c) = scene.mesh.corners(t)
        let e1 = SIMD3<Double>(b - a), e2 = SIMD3<Double>(c - a)
        let n = SIMD3(e1.y * e2.z - e1.z * e2.y, e1.z * e2.x - e1.x * e2.z, e1.x * e2.y - e1.y * e2.x)
        let depth = Float((n * (SIMD3<Double>(a) - SIMD3<Double>(pose.translation))).sum() / (n * SIMD3<Double>(d)).sum())
        let cosine = abs(dot(scene.mesh.normal(t), d)) / length(d)
        let rgb = RGB8(unit: scene.mesh.triangleColors[t].unit * (Renderer.ambient + Renderer.diffuse * cosine))
        return (scene.mesh.triangleInstanceIds[t], depth, rgb)
    }

    static func close(_ a: (id: UInt32, depth: Float, rgb: RGB8)?, _ b: (id: UInt32, depth: Float, rgb: RGB8)?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a.id == b.id && abs(a.depth - b.depth) <= Agreement.depthTolerance * a.depth
            && abs(Int(a.rgb.r) - Int(b.rgb.r)) <= Agreement.colorTolerance && abs(Int(a.rgb.g) - Int(b.rgb.g)) <= Agreement.colorTolerance
            && abs(Int(a.rgb.b) - Int(b.rgb.b)) <= Agreement.colorTolerance
    }

    /// Whether the ray from the camera centre through the image point `(x, y)` (pixels) meets triangle `t` of the
    /// scene's mesh, whatever lies in front (Möller–Trumbore in double precision, edges included).
    static func meets(_ scene: Scene, _ t: Int, _ camera: Camera, _ x: Double, _ y: Double) -> Bool {
        let k = camera.intrinsics, pose = camera.worldFromCamera
        let r = SIMD3<Double>((x - Double(k.cx)) / Double(k.fx), -(y - Double(k.cy)) / Double(k.fy), -1)
        let m = pose.rotation
        let d = SIMD3<Double>(m.c0) * r.x + SIMD3<Double>(m.c1) * r.y + SIMD3<Double>(m.c2) * r.z
        let (a, b, c) = scene.mesh.corners(t)
        let v0 = SIMD3<Double>(a), e1 = SIMD3<Double>(b) - v0, e2 = SIMD3<Double>(c) - v0
        func cross(_ p: SIMD3<Double>, _ q: SIMD3<Double>) -> SIMD3<Double> {
            SIMD3(p.y * q.z - p.z * q.y, p.z * q.x - p.x * q.z, p.x * q.y - p.y * q.x)
        }
        let p = cross(d, e2), det = (e1 * p).sum()
        guard det != 0 else { return false }
        let tv = SIMD3<Double>(pose.translation) - v0
        let u = (tv * p).sum() / det
        let q = cross(tv, e1)
        let v = (d * q).sum() / det
        return u >= 0 && v >= 0 && u + v <= 1 && (e2 * q).sum() / det > 0
    }

    /// Renders `camera` both ways with `renderer` (left in `.rasterize`) and classifies every pixel (`Agreement`).
    static func compare(_ scene: Scene, _ renderer: Renderer, _ camera: Camera) -> Agreement {
        renderer.mode = .rayCast
        let ray = renderer.render(camera: camera)
        renderer.mode = .rasterize
        let raster = renderer.render(camera: camera)
        let k = camera.intrinsics
        var a = Agreement()
        let ids0 = ray.instanceIds.pixels, ids1 = raster.instanceIds.pixels
        let depth0 = ray.depth.pixels, depth1 = raster.depth.pixels
        let rgb0 = ray.rgb.pixels, rgb1 = raster.rgb.pixels
        var trianglesOf = [UInt32: [Int]]()
        for (t, id) in scene.mesh.triangleInstanceIds.enumerated() { trianglesOf[id, default: []].append(t) }
        for y in 0..<k.height {
            for x in 0..<k.width {
                let i = y * k.width + x
                a.pixels += 1
                let r0 = depth0[i] > 0 ? (ids0[i], depth0[i], rgb0[i]) : nil
                let r1 = depth1[i] > 0 ? (ids1[i], depth1[i], rgb1[i]) : nil
                if (r0 == nil) != (r1 == nil) { a.backgroundMismatch += 1 }
                if ids0[i] == ids1[i] { a.sameId += 1 }
                if close(r0, r1) {
                    a.equal += 1
                    if let r0, let r1 {
                        a.maxDepthError = max(a.maxDepthError, abs(r0.1 - r1.1) / r0.1)
                        a.maxColorError = max(a.maxColorError, abs(Int(r0.2.r) - Int(r1.2.r)), abs(Int(r0.2.g) - Int(r1.2.g)), abs(Int(r0.2.b) - Int(r1.2.b)))
                    }
                    continue
                }
                guard let bvh = renderer.bvh else { a.unexplained += 1; continue }
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                /// Whether triangle t meets the ray through the centre, and whether it meets all of the rays through
                /// 16 points 0.01 pixel from it.
                func disc(_ t: Int) -> (centre: Bool, touches: Bool, contains: Bool) {
                    let c = meets(scene, t, camera, px, py)
                    var all = c, some = c
                    for j in 0..<16 {
                        let angle = Double(j) * .pi / 8
                        let m = meets(scene, t, camera, px + 0.01 * cos(angle), py + 0.01 * sin(angle))
                        all = all && m; some = some || m
                    }
                    return (c, some, all)
                }
                let seen = triangleSeen(bvh, camera, Float(x) + 0.5, Float(y) + 0.5).map(disc)
                let candidates = (r1.map { trianglesOf[$0.0] ?? [] } ?? []).filter { close(surface(scene, $0, camera, x, y), r1) }.map(disc)
                if seen.map({ $0.touches && !$0.contains }) == true || candidates.contains(where: { $0.touches && !$0.contains }) {
                    a.edge += 1
                } else if let r0, let r1, abs(r0.1 - r1.1) <= 1e-5 * r0.1, seen?.contains == true,
                          candidates.contains(where: { $0.contains }) {
                    a.coincident += 1
                    if r0.0 != r1.0 { a.coincidentIds += 1 }
                } else {
                    a.unexplained += 1
                    if a.unexplainedPixels.count < 5 { a.unexplainedPixels.append((x, y)) }
                }
            }
        }
        return a
    }

    /// `count` seeded camera poses inside the scene's rooms (inside its bounds when it has no regions): eye height
    /// 1.25 m for half of them and 0.5–2.0 m for the others, any heading, and for every fourth pose a pitch and
    /// roll of up to ±30°. Where the scene has a mesh, the eye is where an agent's camera can be: a ray straight up
    /// meets a ceiling and one straight down a floor (so not inside a wall or a piece of furniture), and nothing
    /// is nearer than 0.1 m along 8 horizontal directions.
    static func poses(in scene: Scene, count: Int, seed: UInt64) -> [RigidTransform] {
        var rng = SeededRandom(seed: seed)
        let b = scene.bounds
        let bvh = scene.mesh.isEmpty ? nil : BVH(mesh: scene.mesh)
        func category(_ origin: Vec3, _ direction: Vec3) -> (String, Float)? {
            guard let hit = bvh?.intersect(origin: origin, direction: direction) else { return nil }
            return (scene.instances[scene.mesh.triangleInstanceIds[hit.triangleIndex]]?.category ?? "", hit.t)
        }
        var result = [RigidTransform]()
        while result.count < count {
            let p = Vec2(rng.uniform(b.lower.x, b.upper.x), rng.uniform(b.lower.z, b.upper.z))
            if !scene.regions.isEmpty && !scene.regions.contains(where: { $0.contains(p) }) { continue }
            let eyeHeight = result.count % 2 == 0 ? 1.25 : rng.uniform(0.5, 2.0)
            let eye = Vec3(p.x, b.lower.y + eyeHeight, p.y)
            if bvh != nil {
                guard category(eye, Vec3(0, 1, 0))?.0 == "ceiling", category(eye, Vec3(0, -1, 0))?.0 == "floor" else { continue }
                let clear = (0..<8).allSatisfy { i in
                    let angle = Float(i) * .pi / 4
                    return (category(eye, Vec3(cos(angle), 0, sin(angle)))?.1 ?? .infinity) >= 0.1
                }
                if !clear { continue }
            }
            var rotation = Mat3(Quaternion(heading: rng.uniform(-.pi, .pi)))
            if result.count % 4 == 3 {
                rotation = rotation * Mat3(Quaternion(axis: Vec3(1, 0, 0), angle: rng.uniform(-0.5, 0.5)))
                    * Mat3(Quaternion(axis: Vec3(0, 0, 1), angle: rng.uniform(-0.5, 0.5)))
            }
            result.append(RigidTransform(rotation: rotation, translation: eye))
        }
        return result
    }

    /// The agreement `Renderer.Mode.rasterize` promises: equal instance ids on ≥ 99 % of the pixels that do not
    /// see two instances' faces overlapping in one plane (where neither method is right: the ray caster's choice is
    /// rounding noise, the rasteriser's the lower triangle index), every pixel that is not equal an edge pixel or a
    /// pixel of coincident faces, the same background pixels (unless `backgroundOnEdges`: then a background
    /// mismatch must be an edge pixel), and, on the equal pixels, depth within 1e-4 relative and colour within 1
    /// level (by the definition of equal).
    func assertFaithful(_ a: Agreement, _ label: String, backgroundOnEdges: Bool = false, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThanOrEqual(a.idAgreementOffCoincidentFaces, 0.99, "\(label): \(a)", file: file, line: line)
        XCTAssertEqual(a.unexplained, 0, "\(label): \(a)", file: file, line: line)
        if backgroundOnEdges {
            XCTAssertLessThanOrEqual(a.backgroundMismatch, a.edge, "\(label): \(a)", file: file, line: line)
        } else {
            XCTAssertEqual(a.backgroundMismatch, 0, "\(label): \(a)", file: file, line: line)
        }
        XCTAssertLessThanOrEqual(a.maxDepthError, Agreement.depthTolerance, "\(label): \(a)", file: file, line: line)
        XCTAssertLessThanOrEqual(a.maxColorError, Agreement.colorTolerance, "\(label): \(a)", file: file, line: line)
    }

    /// Whether to compare all poses at 256 × 256 too. A debug build's ray caster takes seconds per 256 × 256
    /// frame, so there the house tests compare all poses at 128 × 128 but only the first 5 at 256 × 256, unless
    /// `VLNSIM_FULL_RENDER_COMPARISON=1`; release builds (`make test`) always compare all of them.
    static var allPosesAt256: Bool {
        #if DEBUG
        return ProcessInfo.processInfo.environment["VLNSIM_FULL_RENDER_COMPARISON"] == "1"
        #else
        return true
        #endif
    }

    /// Compares the two modes over `poses` at 128 × 128 and 256 × 256 (see `allPosesAt256`) and checks the
    /// agreement the renderer promises (`assertFaithful`); prints the totals per size.
    func checkAgreement(_ scene: Scene, poses: [RigidTransform], label: String) -> [Int: Agreement] {
        let renderer = Renderer(scene: scene)
        var bySize = [Int: Agreement]()
        for size in [128, 256] {
            let k = CameraIntrinsics(width: size, height: size, hfov: Float(90).radians)
            var total = Agreement()
            let compared = size == 256 && !Self.allPosesAt256 ? Array(poses.prefix(5)) : poses
            for (i, pose) in compared.enumerated() {
                let a = Self.compare(scene, renderer, Camera(intrinsics: k, worldFromCamera: pose))
                assertFaithful(a, "\(label) pose \(i) at \(size)")
                total.add(a)
            }
            print("rasterize vs rayCast, \(label), \(compared.count) poses, \(size) × \(size): \(total)")
            bySize[size] = total
        }
        return bySize
    }

    // MARK: - Closed forms

    /// Two triangles sharing the vertical edge x = 1/64 at z = −1, which the camera (64 × 48, hfov 90°: fx = 32)
    /// sees exactly through the pixel centres of column 32 (x = 32.5): the top-left rule gives those centres to the
    /// triangle on the right, for which the edge is a left edge; no centre is covered twice or missed.
    func testSharedVerticalEdgeThroughPixelCentresGoesToTheRightTriangle() {
        let e: Float = 1 / 64
        // Left quad x ∈ [−1, e] (instance 1) and right quad x ∈ [e, 1] (instance 2), y ∈ [−1, 1].
        let mesh = TriangleMesh(vertices: [Vec3(-1, -1, -1), Vec3(e, -1, -1), Vec3(e, 1, -1), Vec3(-1, 1, -1),
                                           Vec3(1, -1, -1), Vec3(1, 1, -1)],
                                triangles: [SIMD3(0, 1, 2), SIMD3(0, 2, 3), SIMD3(1, 4, 5), SIMD3(1, 5, 2)],
                                triangleInstanceIds: [1, 1, 2, 2])
        let renderer = Renderer(scene: Scene(name: "edge", mesh: mesh))
        let frame = renderer.render(camera: Camera(intrinsics: RendererTests.intrinsics, worldFromCamera: .identity))
        for y in 0..<48 {
            XCTAssertEqual(frame.instanceIds[32, y], 2, "row \(y)")
            XCTAssertEqual(frame.instanceIds[31, y], 1, "row \(y)")
            XCTAssertEqual(frame.depth[32, y], 1, accuracy: 1e-6)
        }
        // The quads cover the whole image (x ∈ [−1, 1] at z = −1 is columns 0…63), with no crack along the shared
        // edge or the diagonals.
        XCTAssertFalse(frame.instanceIds.pixels.contains(0))
    }

    /// The horizontal edge y = 1/64 at z = −1 lies on the centres of row 23 (y = 23.5, image y down): they go to
    /// the triangle below, for which the edge is a top edge.
    func testSharedHorizontalEdgeThroughPixelCentresGoesToTheTriangleBelow() {
        let e: Float = 1 / 64
        // Upper quad y ∈ [e, 1] (instance 1) and lower quad y ∈ [−1, e] (instance 2), x ∈ [−1, 1].
        let mesh = TriangleMesh(vertices: [Vec3(-1, e, -1), Vec3(1, e, -1), Vec3(1, 1, -1), Vec3(-1, 1, -1),
                                           Vec3(-1, -1, -1), Vec3(1, -1, -1)],
                                triangles: [SIMD3(0, 1, 2), SIMD3(0, 2, 3), SIMD3(4, 5, 1), SIMD3(4, 1, 0)],
                                triangleInstanceIds: [1, 1, 2, 2])
        let renderer = Renderer(scene: Scene(name: "edge", mesh: mesh))
        let frame = renderer.render(camera: Camera(intrinsics: RendererTests.intrinsics, worldFromCamera: .identity))
        XCTAssertFalse(frame.instanceIds.pixels.contains(0))
        for x in 0..<64 {
            XCTAssertEqual(frame.instanceIds[x, 23], 2, "column \(x)")   // below: the lower triangles (y < 1/64)
            XCTAssertEqual(frame.instanceIds[x, 22], 1, "column \(x)")
        }
    }

    /// Equal depth, different triangles: the lower mesh index wins, whatever the order of the triangles in the BVH
    /// and the thread count.
    func testCoplanarTieGoesToTheLowerTriangleIndex() {
        let quad = [Vec3(-1, -1, -2), Vec3(1, -1, -2), Vec3(1, 1, -2), Vec3(-1, 1, -2)]
        for order in [[0, 1], [1, 0]] {
            var triangles = [SIMD3<UInt32>](), instances = [UInt32]()
            for o in order {
                let b = UInt32(4 * o)
                triangles += [SIMD3(b, b + 1, b + 2), SIMD3(b, b + 2, b + 3)]
                instances += [UInt32(o + 1), UInt32(o + 1)]
            }
            let mesh = TriangleMesh(vertices: quad + quad, triangles: triangles, triangleInstanceIds: instances)
            let renderer = Renderer(scene: Scene(name: "tie", mesh: mesh))
            for threads in [1, 3] {
                renderer.threadCount = threads
                let frame = renderer.render(camera: Camera(intrinsics: RendererTests.intrinsics, worldFromCamera: .identity))
                XCTAssertEqual(frame.instanceIds[32, 24], UInt32(order[0] + 1), "order \(order), \(threads) threads")
                XCTAssertEqual(frame.instanceIds[20, 20], UInt32(order[0] + 1), "order \(order), \(threads) threads")
            }
        }
    }

    // MARK: - Named cases

    /// The camera 1 mm from the north wall of the box room, turned 60° to it: the wall crosses the near plane and
    /// the image's side; at 2 cm, facing it; at 5 mm, looking 45° up into the corner with the ceiling.
    func testCameraVeryCloseToAWall() {
        let scene = RendererTests.boxRoom()
        let renderer = Renderer(scene: scene)
        let k = RendererTests.intrinsics
        let facing = Camera(intrinsics: k, worldFromCamera: RigidTransform(rotation: Quaternion(heading: 0), translation: Vec3(0.5, 1.5, -2.48)))
        let frame = renderer.render(camera: facing)
        XCTAssertEqual(frame.depth[32, 24], 0.02, accuracy: 1e-6)
        XCTAssertEqual(frame.instanceIds[32, 24], RendererTests.Face.north.rawValue)
        for (label, pose) in [
            ("facing at 2 cm", facing.worldFromCamera),
            ("1 mm, turned 60°", RigidTransform(rotation: Quaternion(heading: Float(60).radians), translation: Vec3(0.5, 1.5, -2.499))),
            ("5 mm, 45° up into the corner", RigidTransform(rotation: Mat3(Quaternion(heading: 0.3)) * Mat3(Quaternion(axis: Vec3(1, 0, 0), angle: .pi / 4)),
                                                            translation: Vec3(1.995, 2.99, -2.495))),
        ] {
            let a = Self.compare(scene, renderer, Camera(intrinsics: k, worldFromCamera: pose))
            assertFaithful(a, label)
        }
    }

    /// Looking along a wall: the camera 1 mm (and 0.1 mm) from the west wall, facing −Z, sees it at grazing angles
    /// over the left half of the image; exactly in the wall's plane it sees the wall edge-on (no pixel).
    func testLookingAlongAWall() {
        let scene = RendererTests.boxRoom()
        let renderer = Renderer(scene: scene)
        for offset: Float in [1e-3, 1e-4] {
            for size in [64, 256] {
                let k = CameraIntrinsics(width: size, height: size, hfov: Float(90).radians)
                let camera = Camera(intrinsics: k, worldFromCamera: RigidTransform(rotation: Quaternion(heading: 0),
                                                                                  translation: Vec3(-2 + offset, 1.5, 2.0)))
                let a = Self.compare(scene, renderer, camera)
                assertFaithful(a, "offset \(offset), \(size)")
                let frame = renderer.render(camera: camera)
                // A pixel left of the centre sees the west wall; its z-depth is offset / tan(angle off the axis),
                // with the offset the float camera position really has (−2 + 1e-4 is not exact in float).
                let x = size / 2 - 3
                XCTAssertEqual(frame.instanceIds[x, size / 2], RendererTests.Face.west.rawValue)
                let actualOffset = camera.worldFromCamera.translation.x + 2
                let expected = actualOffset * k.fx / (k.cx - (Float(x) + 0.5))
                XCTAssertEqual(frame.depth[x, size / 2], expected, accuracy: expected * 1e-4)
            }
        }
        // In the wall's plane: no pixel sees the west wall in either mode.
        let inPlane = Camera(intrinsics: RendererTests.intrinsics,
                             worldFromCamera: RigidTransform(rotation: Quaternion(heading: 0), translation: Vec3(-2, 1.5, 2.0)))
        for mode in [Renderer.Mode.rayCast, .rasterize] {
            renderer.mode = mode
            XCTAssertFalse(renderer.render(camera: inPlane).instanceIds.pixels.contains(RendererTests.Face.west.rawValue), "\(mode)")
        }
    }

    /// A triangle wholly behind the camera is not drawn; one with a corner behind the camera is clipped at the near
    /// plane and drawn where the ray caster sees it.
    func testTriangleBehindAndAcrossTheCamera() {
        let k = RendererTests.intrinsics
        let behind = TriangleMesh(vertices: [Vec3(-1, -1, 1), Vec3(1, -1, 1), Vec3(0, 1, 2)], triangles: [SIMD3(0, 1, 2)])
        let r1 = Renderer(scene: Scene(name: "behind", mesh: behind))
        XCTAssertTrue(r1.render(camera: Camera(intrinsics: k, worldFromCamera: .identity)).depth.pixels.allSatisfy { $0 == 0 })
        // A floor-like triangle from 1 m behind the camera to 3 m ahead, 0.5 m below it, and a tilted one.
        let across = TriangleMesh(vertices: [Vec3(-2, -0.5, 1), Vec3(2, -0.5, 1), Vec3(0, -0.5, -3),
                                             Vec3(-1, 0.2, 0.5), Vec3(1, 1.0, -2), Vec3(-0.5, 1.5, -0.5)],
                                  triangles: [SIMD3(0, 1, 2), SIMD3(3, 4, 5)], triangleInstanceIds: [1, 2])
        let scene = Scene(name: "across", mesh: across)
        let r2 = Renderer(scene: scene)
        for size in [64, 256] {
            let camera = Camera(intrinsics: CameraIntrinsics(width: size, height: size, hfov: Float(90).radians), worldFromCamera: .identity)
            let a = Self.compare(scene, r2, camera)
            // The triangles' silhouettes are against the background: a mismatch there must be an edge pixel.
            assertFaithful(a, "\(size)", backgroundOnEdges: true)
            let frame = r2.render(camera: camera)
            XCTAssertTrue(frame.instanceIds.pixels.contains(1) && frame.instanceIds.pixels.contains(2))
            // The bottom-centre pixel sees the floor triangle at z-depth 0.5 / tan(angle below the axis).
            let y = size - 1
            let expected = 0.5 * k.fy * Float(size) / 64 / ((Float(y) + 0.5) - Float(size) / 2)
            XCTAssertEqual(frame.depth[size / 2, y], expected, accuracy: expected * 1e-5)
        }
    }

    // MARK: - Houses

    func testGeneratedHousesAgreeWithTheRayCaster() {
        for seed: UInt64 in [1, 2, 3] {
            let scene = HouseGenerator(seed: seed).generate()
            _ = checkAgreement(scene, poses: Self.poses(in: scene, count: 20, seed: 100 + seed), label: "house seed \(seed)")
        }
    }

    func testShippedScenesAgreeWithTheRayCaster() throws {
        let dir = packageRoot + "/scenes"
        let manifests = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertFalse(manifests.isEmpty)
        var compared = 0
        for name in manifests {
            let scene: Scene
            do { scene = try Scene.load(path: dir + "/" + name, dataPath: testDataPath()) } catch {
                print("skipping \(name): \(error)")   // a scan whose data is not present
                continue
            }
            _ = checkAgreement(scene, poses: Self.poses(in: scene, count: 20, seed: 7), label: name)
            compared += 1
        }
        XCTAssertGreaterThanOrEqual(compared, 3, "the three shipped houses load without data")
    }

    func testRasterizedHouseIsBitIdenticalForAnyThreadCount() {
        let scene = HouseGenerator(seed: 5).generate()
        let renderer = Renderer(scene: scene)
        let k = CameraIntrinsics(width: 128, height: 96, hfov: Float(90).radians)
        for pose in Self.poses(in: scene, count: 4, seed: 11) {
            let camera = Camera(intrinsics: k, worldFromCamera: pose)
            renderer.threadCount = 1
            let one = renderer.render(camera: camera)
            for threads in [2, 3, 8] {
                renderer.threadCount = threads
                let many = renderer.render(camera: camera)
                XCTAssertEqual(one, many, "\(threads) threads")
                XCTAssertEqual(one.depth.pixels.map(\.bitPattern), many.depth.pixels.map(\.bitPattern), "\(threads) threads")
            }
        }
    }
}
