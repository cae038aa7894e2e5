import VLNCore
import VLNRGBD

extension Observation {
    /// The observation as a posed RGB-D frame (colour, metric z-depth with 0 = no surface, the camera's
    /// `worldFromCamera` in the OpenGL convention, intrinsics), stamped `step / frameRate` seconds — the nominal
    /// time base vlnsim uses when it writes episodes as TUM sequences (`RGBDSequenceWriter`).
    public func rgbdFrame(frameRate: Double = 10) -> RGBDFrame {
        RGBDFrame(color: rgb, depth: depth, worldFromCamera: camera.worldFromCamera, intrinsics: camera.intrinsics,
                  timestamp: Double(step) / frameRate)
    }
}
