import Foundation
import VLNCore
import VLNDraw

/// `summary.png`: on the left SR (solid) and SPL (light) per planner on a 0…1 axis; on the right the histogram of
/// NE per planner (share of its scored episodes per 1 m bin; the last bin holds everything beyond, `unr.` the
/// episodes with no reachable goal), with the success distance marked. Planners keep one colour in both panels.
public enum BenchSummaryChart {
    /// Planner colours (matplotlib's tab10, in order).
    public static let colors: [RGB8] = [RGB8(31, 119, 180), RGB8(255, 127, 14), RGB8(44, 160, 44), RGB8(214, 39, 40), RGB8(148, 103, 189),
                                        RGB8(140, 86, 75), RGB8(227, 119, 194), RGB8(127, 127, 127), RGB8(188, 189, 34), RGB8(23, 190, 207)]

    static func light(_ c: RGB8) -> RGB8 { RGB8(unit: c.unit * 0.45 + Vec3(repeating: 0.55)) }

    /// Draws the chart.
    /// - Parameters:
    ///   - rows: one per planner, in order.
    ///   - records: the results the rows summarise (their NE values make the histogram).
    ///   - successDistance: metres, marked on the NE axis.
    ///   - title: the line on top.
    public static func draw(rows: [SummaryRow], records: [EpisodeRecord], successDistance: Double, title: String) -> RGBImage {
        let width = 1000, height = 480
        var c = Canvas(width: width, height: height, background: .white)
        c.drawText(title, x: 16, y: 12, color: .black, scale: 2)
        let grey = RGB8(215, 215, 215), axis = RGB8(60, 60, 60), text = RGB8(40, 40, 40)

        // Left panel: SR and SPL.
        let left = (x0: 60, x1: 440, y0: 70, y1: 400)
        c.drawText("SR (solid) and SPL (light) per planner", x: left.x0, y: 48, color: .black)
        func yLeft(_ v: Double) -> Int { left.y1 - Int((Double(left.y1 - left.y0) * min(max(v, 0), 1)).rounded()) }
        for k in 0...4 {
            let v = Double(k) / 4, y = yLeft(v)
            c.fillRect(x: left.x0, y: y, width: left.x1 - left.x0, height: 1, color: k == 0 ? axis : grey)
            let label = String(format: "%.2f", v)
            c.drawText(label, x: left.x0 - 6 - Canvas.textSize(label).width, y: y - 3, color: text)
        }
        c.fillRect(x: left.x0, y: left.y0, width: 1, height: left.y1 - left.y0 + 1, color: axis)
        let n = max(rows.count, 1)
        let group = Double(left.x1 - left.x0) / Double(n)
        let barWidth = max(4, min(48, Int(group * 0.32)))
        for (i, row) in rows.enumerated() {
            let color = colors[i % colors.count]
            let cx = left.x0 + Int(group * (Double(i) + 0.5))
            for (j, value) in [row.measures.success, row.measures.spl].enumerated() {
                let x = j == 0 ? cx - barWidth - 2 : cx + 2
                if let v = value {
                    let top = yLeft(v)
                    c.fillRect(x: x, y: top, width: barWidth, height: left.y1 - top, color: j == 0 ? color : light(color))
                    c.strokeRect(x: x, y: top, width: barWidth, height: left.y1 - top + 1, color: color)
                    let label = String(format: "%.2f", v)
                    let w = Canvas.textSize(label).width
                    c.drawText(label, x: x + (barWidth - w) / 2, y: top - 11, color: text)
                } else {
                    c.drawText("n/a", x: x, y: left.y1 - 11, color: text)
                }
            }
            let name = row.planner ?? "all"
            c.drawText(name, x: cx - Canvas.textSize(name).width / 2, y: left.y1 + 8, color: .black)
            let count = "\(row.measures.episodes) ep." + ((row.errors ?? 0) > 0 ? ", \(row.errors!) err." : "")
            c.drawText(count, x: cx - Canvas.textSize(count).width / 2, y: left.y1 + 20, color: RGB8(110, 110, 110))
        }

        // Right panel: NE histogram.
        let right = (x0: 540, x1: 970, y0: 70, y1: 400)
        c.drawText("NE histogram: share of each planner's scored episodes per 1 m bin", x: right.x0 - 30, y: 48, color: .black)
        let planners = rows.map { $0.planner ?? "" }
        var finiteMax = 0.0
        for r in records { if let d = r.measures?.distanceToGoal, d.isFinite { finiteMax = max(finiteMax, d) } }
        let bins = min(20, max(8, Int(finiteMax.rounded(.up))))   // bins 0…bins−1 of 1 m, the last open-ended
        var counts = Array(repeating: Array(repeating: 0, count: bins + 1), count: planners.count)  // + unreachable
        var totals = Array(repeating: 0, count: planners.count)
        for r in records {
            guard let p = planners.firstIndex(of: r.planner), let d = r.measures?.distanceToGoal else { continue }
            let b = d.isFinite ? min(bins - 1, Int(d)) : bins
            counts[p][b] += 1
            totals[p] += 1
        }
        var top = 0.0
        for p in planners.indices where totals[p] > 0 {
            for b in 0...bins { top = max(top, Double(counts[p][b]) / Double(totals[p])) }
        }
        let steps = [0.1, 0.2, 0.25, 0.5, 1.0]
        let tick = steps.first { $0 * 4 >= top } ?? 0.25
        let yMax = max(tick * Double(Int((top / tick).rounded(.up))), tick)
        func yRight(_ v: Double) -> Int { right.y1 - Int((Double(right.y1 - right.y0) * min(max(v / yMax, 0), 1)).rounded()) }
        var v = 0.0
        while v <= yMax + 1e-9 {
            let y = yRight(v)
            c.fillRect(x: right.x0, y: y, width: right.x1 - right.x0, height: 1, color: v == 0 ? axis : grey)
            let label = String(format: "%.2f", v)
            c.drawText(label, x: right.x0 - 6 - Canvas.textSize(label).width, y: y - 3, color: text)
            v += tick
        }
        c.fillRect(x: right.x0, y: right.y0, width: 1, height: right.y1 - right.y0 + 1, color: axis)
        let slots = bins + 1
        let slot = Double(right.x1 - right.x0) / Double(slots)
        let bar = max(1, Int(slot * 0.8) / max(planners.count, 1))
        // Success distance: a dashed line.
        let sx = right.x0 + Int(slot * min(successDistance, Double(bins)))
        var y = right.y0
        while y < right.y1 { c.fillRect(x: sx, y: y, width: 2, height: 4, color: RGB8(200, 0, 0)); y += 8 }
        c.drawText("success < \(String(format: "%g", successDistance)) m", x: sx + 4, y: right.y0 + 2, color: RGB8(200, 0, 0))
        for b in 0...bins {
            let x0 = right.x0 + Int(slot * Double(b) + slot * 0.1)
            for p in planners.indices where totals[p] > 0 && counts[p][b] > 0 {
                let share = Double(counts[p][b]) / Double(totals[p])
                let t = yRight(share)
                c.fillRect(x: x0 + p * bar, y: t, width: bar, height: max(1, right.y1 - t), color: colors[p % colors.count])
            }
            // Axis labels: bin edges every 2 m (or every bin when few), the open bin and the unreachable one.
            let label: String? = b == bins ? "unr." : (b == bins - 1 ? "\(bins - 1)+" : (b % 2 == 0 ? "\(b)" : nil))
            if let label {
                let lx = b >= bins - 1 ? right.x0 + Int(slot * (Double(b) + 0.5)) - Canvas.textSize(label).width / 2 + (b == bins ? 4 : 0)
                                       : right.x0 + Int(slot * Double(b)) - Canvas.textSize(label).width / 2
                c.drawText(label, x: lx, y: right.y1 + 6, color: text)
            }
            c.fillRect(x: right.x0 + Int(slot * Double(b)), y: right.y1, width: 1, height: 4, color: axis)
        }
        c.drawText("NE (m)", x: (right.x0 + right.x1) / 2 - 18, y: right.y1 + 20, color: .black)
        // Legend.
        var lx = right.x0
        for (p, name) in planners.enumerated() {
            c.fillRect(x: lx, y: height - 40, width: 12, height: 9, color: colors[p % colors.count])
            c.drawText(name, x: lx + 16, y: height - 39, color: .black)
            lx += 16 + Canvas.textSize(name).width + 18
        }
        c.drawText("unr.: no goal reachable from the final position (left out of the NE mean)", x: right.x0, y: height - 24, color: RGB8(110, 110, 110))
        return c.image
    }
}
