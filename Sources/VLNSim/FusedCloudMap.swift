import Foundation
import VLNCore
import VLNDraw
import VLNRGBD
import VLNScene

/// A top-down picture of a fused point cloud with the camera path, for `vlnsim rgbd fuse`.
///
/// Points are projected onto a `GroundPlane` (map axes `axisU` to the right, `axisV` up the image, so the view is from
/// above, not mirrored) and drawn in their own colour, lowest first so that higher surfaces (table tops, furniture)
/// cover the floor. Points more than `ceilingMargin` above the highest camera centre (ceilings, which would hide
/// everything) are left out. The camera path is drawn in orange, with the first camera blue, the last red, and the
/// viewing direction of every n-th frame as a short arrow.
public struct FusedCloudMap {
    /// The fused points (world frame of the recording, metres), drawn in their own colours.
    public var cloud: PointCloud
    /// `worldFromCamera` (OpenGL) per frame, in order.
    public var cameraPoses: [RigidTransform]
    /// The plane the points and cameras are projected onto.
    public var plane: GroundPlane
    /// Metres above the highest camera beyond which points are not drawn.
    public var ceilingMargin: Float = 0.5
    /// The longer side of the drawing area, pixels.
    public var size: Int = 800

    /// The camera path: orange.
    public static let pathColor = RGB8(255, 140, 0)
    /// The first camera: blue.
    public static let startColor = RGB8(0, 0, 200)
    /// The last camera: red.
    public static let endColor = RGB8(200, 0, 0)

    /// A map of `cloud` and the camera path of `cameraPoses` projected onto `plane`, default `ceilingMargin` and `size`.
    public init(cloud: PointCloud, cameraPoses: [RigidTransform], plane: GroundPlane) {
        self.cloud = cloud; self.cameraPoses = cameraPoses; self.plane = plane
    }

    /// Draws the map. - Parameter title: a line of text at the top.
    public func draw(title: String) -> RGBImage {
        let margin: Float = 16, titleHeight: Float = 26
        let cams = cameraPoses.map { plane.project($0.translation) }
        let camTop = cameraPoses.map { plane.height($0.translation) }.max() ?? .infinity
        var keep: [(Vec2, Float, RGB8)] = []
        keep.reserveCapacity(cloud.count)
        for (p, c) in zip(cloud.positions, cloud.colors) {
            let h = plane.height(p)
            if h > camTop + ceilingMargin { continue }
            keep.append((plane.project(p), h, c))
        }
        // Extent: robust over the points (0.5 … 99.5 %), and every camera.
        func robust(_ v: [Float]) -> (Float, Float) {
            guard !v.isEmpty else { return (0, 1) }
            let s = v.sorted()
            return (s[s.count / 200], s[min(s.count - 1, s.count - 1 - s.count / 200)])
        }
        var (u0, u1) = robust(keep.map { $0.0.x }), (v0, v1) = robust(keep.map { $0.0.y })
        for c in cams { u0 = min(u0, c.x); u1 = max(u1, c.x); v0 = min(v0, c.y); v1 = max(v1, c.y) }
        let extent = max(u1 - u0, v1 - v0, 0.5)
        let scale = Float(size) / extent
        let w = Int(((u1 - u0) * scale + 2 * margin).rounded(.up)), h = Int(((v1 - v0) * scale + 2 * margin + titleHeight).rounded(.up))
        var canvas = Canvas(width: max(w, 360), height: h, background: RGB8(255, 255, 255))
        func pixel(_ m: Vec2) -> Vec2 { Vec2(margin + (m.x - u0) * scale, titleHeight + margin + (v1 - m.y) * scale) }
        let dotSize = max(1, Int((cloud.pointRadius * 2 * scale).rounded(.up)) + 1)  // + 1: no seams between neighbouring voxels
        for (m, _, c) in keep.sorted(by: { $0.1 < $1.1 }) {
            let p = pixel(m)
            canvas.fillRect(x: Int(p.x) - dotSize / 2, y: Int(p.y) - dotSize / 2, width: dotSize, height: dotSize, color: c)
        }
        // Camera path and viewing directions.
        let path = cams.map(pixel)
        if path.count > 1 { canvas.drawPolyline(path, color: Self.pathColor, width: 3) }
        let every = max(1, cameraPoses.count / 12)
        for i in Swift.stride(from: 0, to: cameraPoses.count, by: every) {
            let f = cameraPoses[i].applyToDirection(Vec3(0, 0, -1))
            let d = Vec2(dot(f, plane.axisU), dot(f, plane.axisV))
            guard length(Vec3(d.x, d.y, 0)) > 1e-3 else { continue }
            let a = path[i], b = pixel(cams[i] + d / length(Vec3(d.x, d.y, 0)) * (24 / scale))
            canvas.drawArrow(from: a, to: b, color: .black, width: 1.5, headLength: 7)
        }
        if let s = path.first { canvas.fillCircle(center: s, radius: 6, color: Self.startColor) }
        if let e = path.last { canvas.fillCircle(center: e, radius: 6, color: Self.endColor) }
        canvas.drawText(title, x: 8, y: 8, color: .black, scale: 1)
        // Scale bar: 1 m.
        let barY = Int(titleHeight + margin) - 8, barX = canvas.width - Int(margin) - Int(scale)
        canvas.fillRect(x: barX, y: barY, width: Int(scale), height: 3, color: .black)
        canvas.drawText("1 m", x: barX, y: barY - 10, color: .black, scale: 1)
        return canvas.image
    }
}
