import Foundation
import VLNCore
import VLNImage

extension Observation {
    /// Depth as 16-bit millimetres (the 7-Scenes/ScanNet convention; 0 = invalid, depths ≥ 65.535 m clamp).
    public var depthMillimetres: Image<UInt16> {
        Image(width: depth.width, height: depth.height, pixels: depth.pixels.map { d in
            guard d.isFinite, d > 0 else { return 0 }
            return UInt16(min(65535, (d * 1000).rounded()))
        })
    }

    /// Instance ids as colours (a fixed hash per id; id 0 black), for looking at.
    public var instanceColors: RGBImage {
        Image(width: instanceIds.width, height: instanceIds.height, pixels: instanceIds.pixels.map(instanceColor))
    }

    /// Writes `rgb_NNNN.png`, `depth_NNNN.png` (16-bit mm) and `instance_NNNN.png` (colour-coded ids) into `folder`.
    public func writeFrames(to folder: OutputFolder) throws {
        let n = String(format: "%04d", step)
        try PNG.write(rgb, to: folder.path("frames/rgb_\(n).png"))
        try PNG.write(depthMillimetres, to: folder.path("frames/depth_\(n).png"))
        try PNG.write(instanceColors, to: folder.path("frames/instance_\(n).png"))
    }
}

/// A stable, well-spread colour for an instance id (0 → black).
public func instanceColor(_ id: UInt32) -> RGB8 {
    guard id != 0 else { return .black }
    var h = id &* 2_654_435_761
    h ^= h >> 15
    let hue = Float(h % 360) / 60, s: Float = 0.65, v: Float = 0.95
    let c = v * s, x = c * (1 - abs(fmodf(hue, 2) - 1)), m = v - c
    let (r, g, b): (Float, Float, Float)
    switch Int(hue) {
    case 0: (r, g, b) = (c, x, 0)
    case 1: (r, g, b) = (x, c, 0)
    case 2: (r, g, b) = (0, c, x)
    case 3: (r, g, b) = (0, x, c)
    case 4: (r, g, b) = (x, 0, c)
    default: (r, g, b) = (c, 0, x)
    }
    return RGB8(unit: Vec3(r + m, g + m, b + m))
}
