import Foundation
import VLNCore

extension Canvas {
    /// The longest "nice" length (1, 2 or 5 × 10ᵏ metres) whose bar is at most `maxPixels` long at
    /// `pixelsPerMetre`; nil if none fits (non-positive or non-finite inputs).
    public static func scaleBarLength(pixelsPerMetre: Float, maxPixels: Float) -> Float? {
        guard pixelsPerMetre > 0, pixelsPerMetre.isFinite, maxPixels > 0, maxPixels.isFinite else { return nil }
        let limit = maxPixels / pixelsPerMetre
        var best: Float? = nil
        for k in -3...4 {
            for m in [Float(1), 2, 5] {
                let length = m * powf(10, Float(k))
                if length <= limit { best = max(best ?? 0, length) }
            }
        }
        return best
    }

    /// A scale bar: a black bar with end ticks, its left end at pixel `(x, y)` (the bar's baseline), and its length
    /// above it ("50 cm", "1 m", "2 m"). The length is the longest 1/2/5 × 10ᵏ metres that fits in `maxPixels`.
    /// - Returns: the length drawn, metres; nil (nothing drawn) if none fits.
    @discardableResult
    public mutating func drawScaleBar(x: Int, y: Int, pixelsPerMetre: Float, maxPixels: Float = 120,
                                      color: RGB8 = .black) -> Float? {
        guard let length = Canvas.scaleBarLength(pixelsPerMetre: pixelsPerMetre, maxPixels: maxPixels) else { return nil }
        let w = max(1, Int((length * pixelsPerMetre).rounded()))
        let text = length >= 1 ? String(format: "%g m", length) : String(format: "%g cm", length * 100)
        fillRect(x: x - 2, y: y - 13, width: max(w, Canvas.textSize(text).width) + 5, height: 17, color: .white)
        fillRect(x: x, y: y - 1, width: w, height: 2, color: color)
        fillRect(x: x, y: y - 5, width: 1, height: 6, color: color)
        fillRect(x: x + w - 1, y: y - 5, width: 1, height: 6, color: color)
        drawText(text, x: x, y: y - 12, color: color)
        return length
    }
}

/// Places text labels on a canvas without overlap: a label that would overlap one placed before is moved just
/// below or above its anchor, else left out. Place the most important labels first.
public struct LabelLayout {
    /// Boxes taken so far: x, y, width, height in pixels (text plus its background margin).
    public private(set) var boxes: [(x: Int, y: Int, width: Int, height: Int)] = []

    public init() {}

    /// Draws `text` centred on `anchor` (pixels), or just below or above it if that spot is taken, with a
    /// `background` box (see `Canvas.drawText`).
    /// - Returns: whether the label was drawn.
    @discardableResult
    public mutating func place(_ text: String, at anchor: Vec2, on canvas: inout Canvas, color: RGB8 = .black,
                               scale: Int = 1, background: RGB8? = RGB8(255, 255, 255)) -> Bool {
        guard anchor.x.isFinite, anchor.y.isFinite, !text.isEmpty else { return false }
        let (tw, th) = Canvas.textSize(text, scale: scale)
        let s = max(scale, 1)
        let cx = Int(anchor.x.rounded()) - tw / 2, cy = Int(anchor.y.rounded()) - th / 2
        for dy in [0, th + 3 * s, -(th + 3 * s)] {
            let box = (x: cx - s, y: cy + dy - s, width: tw + 2 * s, height: th + 2 * s)
            guard box.x >= 0, box.y >= 0, box.x + box.width <= canvas.width, box.y + box.height <= canvas.height else { continue }
            if boxes.contains(where: { box.x < $0.x + $0.width && $0.x < box.x + box.width && box.y < $0.y + $0.height && $0.y < box.y + box.height }) {
                continue
            }
            boxes.append(box)
            canvas.drawText(text, x: cx, y: cy + dy, color: color, scale: scale, background: background)
            return true
        }
        return false
    }

    /// Marks a region as taken (a legend, a title) so that no label covers it.
    public mutating func reserve(x: Int, y: Int, width: Int, height: Int) { boxes.append((x, y, width, height)) }
}
