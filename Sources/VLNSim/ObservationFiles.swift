import Foundation
import VLNCore
import VLNDraw
import VLNImage

extension Observation {
    /// Depth as 16-bit millimetres (the 7-Scenes/ScanNet convention; 0 = invalid, depths ≥ 65.535 m clamp).
    public var depthMillimetres: Image<UInt16> {
        Image(width: depth.width, height: depth.height, pixels: depth.pixels.map { d in
            guard d.isFinite, d > 0 else { return 0 }
            return UInt16(min(65535, (d * 1000).rounded()))
        })
    }

    /// Instance ids as colours (`instanceColor`: a fixed hash per id; id 0 black), for looking at.
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
