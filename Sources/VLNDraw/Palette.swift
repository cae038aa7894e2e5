import Foundation
import VLNCore

/// A stable, well-spread colour for an instance id (0 → black): a hash of the id picks the hue, saturation 0.65,
/// value 0.95. The same id gives the same colour in every picture (instance images, maps, memory maps).
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

/// Colour ramps for quantities (counts, scores), piecewise linear in sRGB between stops.
public enum Palette {
    /// Matplotlib's "Blues" from very light (t = 0) to dark blue (t = 1): five of its stops. Dark text stays readable
    /// on the lower half.
    public static let blues: [RGB8] = [RGB8(247, 251, 255), RGB8(198, 219, 239), RGB8(107, 174, 214), RGB8(33, 113, 181), RGB8(8, 48, 107)]
    /// Matplotlib's "viridis" from dark purple (t = 0) to yellow (t = 1): five of its stops.
    public static let viridis: [RGB8] = [RGB8(68, 1, 84), RGB8(59, 82, 139), RGB8(33, 145, 140), RGB8(94, 201, 98), RGB8(253, 231, 37)]

    /// The colour at `t` ∈ [0, 1] (clamped; NaN → 0) of the ramp through `stops`, evenly spaced.
    /// - Precondition: `stops` is not empty.
    public static func ramp(_ t: Float, _ stops: [RGB8] = blues) -> RGB8 {
        precondition(!stops.isEmpty)
        guard stops.count > 1 else { return stops[0] }
        let u = (t.isNaN ? 0 : min(max(t, 0), 1)) * Float(stops.count - 1)
        let i = min(Int(u), stops.count - 2), f = u - Float(i)
        return RGB8(unit: stops[i].unit * (1 - f) + stops[i + 1].unit * f)
    }
}
