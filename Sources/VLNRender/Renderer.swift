import VLNCore
import VLNScene

/// One rendered view: colour, metric z-depth and instance ids, all `height × width` of the camera.
public struct RenderedFrame: Equatable, Sendable {
    /// Shaded colour; pixels that see nothing are `Renderer.background`.
    public var rgb: RGBImage
    /// Z-depth along the optical axis, metres (not the length of the ray); 0 where nothing is hit.
    public var depth: DepthImage
    /// The scene's instance id seen at each pixel; 0 where nothing (or geometry of no instance) is hit.
    public var instanceIds: InstanceImage

    /// From the three images (the same size is not checked here).
    public init(rgb: RGBImage, depth: DepthImage, instanceIds: InstanceImage) {
        self.rgb = rgb; self.depth = depth; self.instanceIds = instanceIds
    }
}

/// Renders RGB, z-depth and instance ids of a `Scene` on the CPU: the triangle mesh by z-buffer rasterisation of the
/// triangles that survive BVH frustum culling (`Mode.rasterize`, the default) or by one ray per pixel centre through
/// the BVH (`Mode.rayCast`), and the point cloud by point splatting, composited by depth (nearest wins). Both mesh
/// paths sample the same pixel centres `(x + 0.5, y + 0.5)` and give the same images up to pixels whose centre lies
/// on (within rounding of) a triangle edge; `Tests/VLNRenderTests/RasterizerTests.swift` checks this on generated
/// houses and the shipped scenes.
///
/// Shading: `albedo · (0.35 + 0.65 · |n · v|)` with `n` the triangle's normal and `v` the unit viewing ray (a
/// headlight; both faces are lit). Points keep their colour. The output depends only on the scene, the camera and
/// `mode`: any `threadCount` gives bit-identical frames.
///
/// `render` may be called from several threads at once; `update(scene:)` and setting `threadCount` or `mode` must
/// not run concurrently with `render`.
public final class Renderer: @unchecked Sendable {
    /// Colour of pixels that see nothing: a neutral dark grey.
    public static let background = RGB8(48, 48, 48)
    /// Ambient and diffuse weights of the shading.
    public static let ambient: Float = 0.35, diffuse: Float = 0.65
    /// Smallest and largest splat radius of a point, pixels.
    public static let splatRadiusRange: ClosedRange<Float> = 1...16

    /// How the triangle mesh's primary visibility is computed. Points are splatted in both modes.
    public enum Mode: Equatable, Sendable {
        /// One ray per pixel centre through the BVH (closest hit, Möller–Trumbore), in packets of 4 pixels of a row.
        /// - Complexity: O(W·H·log n) for n triangles.
        case rayCast
        /// Z-buffer rasterisation of the triangles whose BVH nodes meet the view frustum and are not hidden behind
        /// what is already drawn (nodes visited near to far, tested per 8 × 8-pixel tile): near-plane and
        /// guard-band clipping (Sutherland & Hodgman 1974), vertices snapped to 1/65536 pixel, Pineda (1988) edge
        /// functions in exact integer arithmetic sampled at the pixel centres `(x + 0.5, y + 0.5)` with the
        /// top-left fill rule (as in Direct3D's rasterisation rules), 1/z interpolated linearly in screen space
        /// (perspective-correct z-depth; Heckbert & Moreton 1991), nearest wins with ties to the lower mesh
        /// triangle index. Geometry nearer than `Renderer.rasterNearPlane` (z-depth, metres) to the camera is
        /// clipped away. Depth is computed in double precision from the winning triangle's plane; colour rounds
        /// `albedo · 255 · shade` once, so it may differ from `.rayCast` by one level.
        /// - Complexity: O(m + covered pixels of the m triangles drawn) plus O(1) per visited node.
        case rasterize
    }

    /// The mesh path of `render` (default `.rasterize`). Like `threadCount`, not to be set while `render` runs.
    public var mode: Mode = .rasterize

    /// Threads used by `render` (default `Parallel.defaultThreadCount`: `$VLNSIM_THREADS` or the core count):
    /// ≤ 1 renders on the calling thread; otherwise the frame is cut into `4 · threadCount` row bands spread over
    /// `threadCount` workers by `Parallel.forEach` (at most the machine's core count run at once). Each pixel is
    /// computed from the scene, the camera and its own position alone (its ray, or the triangles covering its
    /// centre), so the frame is bit-identical for any thread count.
    public var threadCount: Int = Parallel.defaultThreadCount

    /// The hierarchy over the scene's mesh, nil when the scene has no triangles.
    public private(set) var bvh: BVH?
    var triangleNormals: [Float] = []  // 3 per triangle, mesh numbering
    var triangleAlbedo: [Float] = []   // 3 per triangle, [0, 1]
    var triangleInstances: [UInt32] = []
    var leafCorners: [Float] = []      // 9 per triangle (a, b, c, world frame), the BVH's leaf order
    private var points = PointCloud()

    /// Builds the acceleration structures for `scene`.
    /// - Complexity: O(n log n) in the number of triangles.
    public init(scene: Scene) {
        update(scene: scene)
    }

    /// Rebuilds everything from `scene`; call it after a dynamic edit (`Scene.moveInstance` and friends).
    public func update(scene: Scene) {
        let mesh = scene.mesh
        bvh = mesh.isEmpty ? nil : BVH(mesh: mesh)
        var normals = [Float](), albedo = [Float]()
        normals.reserveCapacity(3 * mesh.triangleCount); albedo.reserveCapacity(3 * mesh.triangleCount)
        for i in 0..<mesh.triangleCount {
            let n = mesh.normal(i), c = mesh.triangleColors[i].unit
            normals.append(n.x); normals.append(n.y); normals.append(n.z)
            albedo.append(c.x); albedo.append(c.y); albedo.append(c.z)
        }
        triangleNormals = normals; triangleAlbedo = albedo
        triangleInstances = mesh.triangleInstanceIds
        var corners = [Float]()
        if let bvh {
            corners.reserveCapacity(9 * bvh.triangleCount)
            for i in bvh.triangleIds {
                let (a, b, c) = mesh.corners(Int(i))
                for v in [a, b, c] { corners.append(v.x); corners.append(v.y); corners.append(v.z) }
            }
        }
        leafCorners = corners
        points = scene.points
    }

    /// Renders the scene as seen by `camera`, the mesh with `mode`.
    /// - Returns: colour, z-depth (metres, 0 = no hit) and instance ids (0 = none), `height × width`.
    /// - Complexity: that of `mode` for the mesh plus O(P + covered pixels) for P points.
    public func render(camera: Camera) -> RenderedFrame {
        let k = camera.intrinsics
        let w = k.width, h = k.height
        var rgb = [RGB8](repeating: Renderer.background, count: w * h)
        var depth = [Float](repeating: 0, count: w * h)
        var ids = [UInt32](repeating: 0, count: w * h)
        guard w > 0, h > 0 else {
            return RenderedFrame(rgb: RGBImage(width: w, height: h, pixels: rgb),
                                 depth: DepthImage(width: w, height: h, pixels: depth),
                                 instanceIds: InstanceImage(width: w, height: h, pixels: ids))
        }
        let splats = projectPoints(camera: camera)
        let bands = threadCount <= 1 ? 1 : min(h, 4 * threadCount)
        let rowsPerBand = (h + bands - 1) / bands
        // The points whose splats reach each band, in index order (which decides ties), so that a band does not
        // scan the whole cloud.
        var bandPoints = [[UInt32]](repeating: [], count: bands)
        for i in 0..<splats.count where splats.radius[i] > 0 {
            let r = splats.radius[i], px = splats.x[i], py = splats.y[i]
            let rowLo = max((py - r - 0.5).rounded(.up), 0), rowHi = min((py + r - 0.5).rounded(.down), Float(h - 1))
            let colLo = max((px - r - 0.5).rounded(.up), 0), colHi = min((px + r - 0.5).rounded(.down), Float(w - 1))
            guard rowLo <= rowHi, colLo <= colHi else { continue }
            for b in (Int(rowLo) / rowsPerBand)...(Int(rowHi) / rowsPerBand) { bandPoints[b].append(UInt32(i)) }
        }
        rgb.withUnsafeMutableBufferPointer { rgbP in
            depth.withUnsafeMutableBufferPointer { depthP in
                ids.withUnsafeMutableBufferPointer { idP in
                    let out = (rgbP.baseAddress!, depthP.baseAddress!, idP.baseAddress!)
                    let renderBand = { (band: Int) in
                        let y0 = band * rowsPerBand, y1 = min(h, y0 + rowsPerBand)
                        if y0 < y1 {
                            self.renderRows(y0..<y1, camera: camera, splats: splats, visiblePoints: bandPoints[band],
                                            rgb: out.0, depth: out.1, ids: out.2)
                        }
                    }
                    Parallel.forEach(bands, threads: max(1, threadCount), renderBand)
                }
            }
        }
        return RenderedFrame(rgb: RGBImage(width: w, height: h, pixels: rgb),
                             depth: DepthImage(width: w, height: h, pixels: depth),
                             instanceIds: InstanceImage(width: w, height: h, pixels: ids))
    }

    /// Screen-space splats of the point cloud: centre (pixels), z-depth (metres) and radius (pixels) per point,
    /// radius ≤ 0 for points behind the camera.
    private struct Splats {
        var x: [Float] = [], y: [Float] = [], depth: [Float] = [], radius: [Float] = []
        var count: Int { x.count }
    }

    private func projectPoints(camera: Camera) -> Splats {
        var s = Splats()
        let n = points.count
        guard n > 0 else { return s }
        let k = camera.intrinsics
        let cameraFromWorld = camera.worldFromCamera.inverse
        let r = points.pointRadius
        s.x = [Float](repeating: 0, count: n); s.y = s.x; s.depth = s.x; s.radius = s.x
        for i in 0..<n {
            guard let p = k.project(cameraFromWorld.apply(points.positions[i])) else { continue }
            s.x[i] = p.x; s.y[i] = p.y; s.depth[i] = p.depth
            s.radius[i] = min(max(k.fx * r / p.depth, Renderer.splatRadiusRange.lowerBound),
                              Renderer.splatRadiusRange.upperBound)
        }
        return s
    }

    /// Renders rows `rows` into the full-frame buffers (each pixel depends only on the scene and the camera).
    private func renderRows(_ rows: Range<Int>, camera: Camera, splats: Splats, visiblePoints: [UInt32],
                            rgb: UnsafeMutablePointer<RGB8>, depth: UnsafeMutablePointer<Float>,
                            ids: UnsafeMutablePointer<UInt32>) {
        let k = camera.intrinsics
        let w = k.width
        let pose = camera.worldFromCamera
        let o = pose.translation
        if let bvh, mode == .rasterize {
            rasterizeRows(rows, camera: camera, bvh: bvh, rgb: rgb, depth: depth, ids: ids)
        } else if let bvh {
            // Mesh: one ray per pixel centre. The camera ray has z = −1, so t along it is the z-depth.
            BVH.withScratch { scratch in
                bvh.triangleIds.withUnsafeBufferPointer { triIds in
                    triangleNormals.withUnsafeBufferPointer { normals in
                        triangleAlbedo.withUnsafeBufferPointer { albedo in
                            triangleInstances.withUnsafeBufferPointer { inst in
                                bvh.withPointers { nodes, tris in
                                    let rays = scratch.rays
                                    for y in rows {
                                        // Packets of 4 neighbouring pixels of a row (the last one padded by
                                        // repeating its last pixel). Packets are fixed by the pixel grid, not by
                                        // the bands, so the frame does not depend on the thread count.
                                        for x0 in stride(from: 0, to: w, by: 4) {
                                            for lane in 0..<4 {
                                                let x = min(x0 + lane, w - 1)
                                                let d = pose.applyToDirection(k.cameraRay(x: Float(x) + 0.5, y: Float(y) + 0.5))
                                                let r = rays + 6 * lane
                                                r[0] = o.x; r[1] = o.y; r[2] = o.z; r[3] = d.x; r[4] = d.y; r[5] = d.z
                                            }
                                            let hits = BVH.closestHit4(nodes: nodes, tris: tris, stack: scratch.stack,
                                                                       entries: scratch.entries, rays: rays,
                                                                       tMax: SIMD4(repeating: .infinity))
                                            for lane in 0..<min(4, w - x0) where hits.index[lane] != .max {
                                                let t = Int(triIds[Int(hits.index[lane])])
                                                let r = rays + 6 * lane
                                                let d = Vec3(r[3], r[4], r[5])
                                                let n = Vec3(normals[3 * t], normals[3 * t + 1], normals[3 * t + 2])
                                                let c = Vec3(albedo[3 * t], albedo[3 * t + 1], albedo[3 * t + 2])
                                                let cosine = abs(dot(n, d)) / length(d)
                                                let p = y * w + x0 + lane
                                                rgb[p] = RGB8(unit: c * (Renderer.ambient + Renderer.diffuse * cosine))
                                                depth[p] = hits.t[lane]
                                                ids[p] = inst[t]
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Points: discs of radius `fx · pointRadius / depth` pixels, nearest wins; ties go to the lower index.
        guard !visiblePoints.isEmpty else { return }
        let h = k.height
        let y0 = Float(rows.lowerBound), y1 = Float(rows.upperBound)
        for point in visiblePoints {
            let i = Int(point)
            let r = splats.radius[i]
            let px = splats.x[i], py = splats.y[i], z = splats.depth[i]
            // Pixel centres (i + 0.5) within r of the splat centre.
            let rowLo = max((py - r - 0.5).rounded(.up), y0, 0), rowHi = min((py + r - 0.5).rounded(.down), y1 - 1, Float(h - 1))
            let colLo = max((px - r - 0.5).rounded(.up), 0), colHi = min((px + r - 0.5).rounded(.down), Float(w - 1))
            guard rowLo <= rowHi, colLo <= colHi else { continue }
            let r2 = r * r
            for yy in Int(rowLo)...Int(rowHi) {
                let dy = Float(yy) + 0.5 - py
                for xx in Int(colLo)...Int(colHi) {
                    let dx = Float(xx) + 0.5 - px
                    guard dx * dx + dy * dy <= r2 else { continue }
                    let p = yy * w + xx
                    let current = depth[p]
                    if current == 0 || z < current {
                        depth[p] = z
                        rgb[p] = points.colors[i]
                        ids[p] = points.instanceIds[i]
                    }
                }
            }
        }
    }
}
