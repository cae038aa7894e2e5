import Foundation
import VLNCore
import VLNDraw
import VLNNavigation
import VLNScene

/// A top-down map of a scene with an episode drawn on it, in Habitat's map colours
/// (habitat-lab `utils/visualizations/maps.py`): outside the floor white, navigable grey 150, obstacles
/// dark grey 50, source blue (0, 0, 200), target red (200, 0, 0), shortest path green (0, 200, 0).
/// The path taken is drawn in orange, collisions as black crosses, objects as outlines labelled with their
/// category, rooms with their label.
///
/// Image axes: world +x to the right, world +z downwards (as Habitat's maps), north-up is −z.
public struct TopDownMap {
    /// The scene drawn (objects, rooms), usually as it was at the episode's start.
    public let scene: Scene
    /// The grid whose cells are drawn; the map's pixel grid follows it (x → right, z → down).
    public let navigation: NavigationGrid
    /// Pixels per metre.
    public let pixelsPerMetre: Float

    /// Cell colours (Habitat's `maps.py` where it has one): no floor, navigable, floor within the agent radius of
    /// an obstacle or edge, obstacle; then the episode's marks: start, goal, shortest path, path taken, scene events.
    public static let outsideColor = RGB8(255, 255, 255)
    /// Navigable cells: grey 150 (Habitat's valid points).
    public static let navigableColor = RGB8(150, 150, 150)
    /// Floor cells that are not navigable (within the agent radius of an obstacle or edge): light grey 200.
    public static let floorColor = RGB8(200, 200, 200)
    /// Obstacle cells: dark grey 50.
    public static let obstacleColor = RGB8(50, 50, 50)
    /// The start position and heading: blue.
    public static let sourceColor = RGB8(0, 0, 200)
    /// The goal and its success radius: red.
    public static let targetColor = RGB8(200, 0, 0)
    /// The geodesic shortest path from the start to the goal: green.
    public static let shortestPathColor = RGB8(0, 200, 0)
    /// The path the agent took: orange.
    public static let pathColor = RGB8(255, 140, 0)

    /// Categories drawn as structure, not labelled as objects.
    static let structural: Set<String> = ["floor", "wall", "ceiling", "door frame", "doorframe", "window", "unannotated", "otherstructure"]

    private let margin = 12
    private let legendHeight = 46
    /// Lines of text above the map (title, instruction).
    private var headerLines = 1
    private var titleHeight: Int { 10 + 10 * headerLines }
    /// Scene events (removed, moved, added objects).
    public static let changeColor = RGB8(200, 0, 200)

    /// - Parameter pixelsPerMetre: map resolution; nil picks one that makes the longer side about 720 pixels
    ///   (clamped to 24…160 px/m).
    public init(scene: Scene, navigation: NavigationGrid, pixelsPerMetre: Float? = nil) {
        self.scene = scene; self.navigation = navigation
        let longer = Float(max(navigation.width, navigation.height)) * navigation.cellSize
        self.pixelsPerMetre = pixelsPerMetre ?? min(160, max(24, 720 / max(longer, 0.1)))
    }

    /// World XZ of the map's top-left corner (the grid's origin).
    private var originXZ: Vec2 { navigation.origin }
    private var extentMetres: Vec2 { Vec2(Float(navigation.width), Float(navigation.height)) * navigation.cellSize }

    /// Pixel coordinates of a world point.
    public func pixel(_ p: Vec3) -> Vec2 {
        Vec2(Float(margin) + (p.x - originXZ.x) * pixelsPerMetre,
             Float(margin + titleHeight) + (p.z - originXZ.y) * pixelsPerMetre)
    }

    /// Draws the map with an episode: the shortest path (green, planned in this map's scene), the path taken
    /// (orange), start (blue), goal (red, with its success radius), collisions, the final pose (black ring and
    /// arrow), and the scene events (magenta): removed objects crossed out, moved and added objects outlined
    /// where they ended up in `finalScene`.
    /// - Parameters:
    ///   - result: the episode.
    ///   - finalScene: the scene after the episode's events (nil: no events to show).
    ///   - events: the episode's scene events.
    ///   - title, subtitle: text above the map (the subtitle, e.g. the instruction, is wrapped to the width).
    public func draw(result: EpisodeResult, finalScene: Scene? = nil, events: [SceneEvent] = [],
                     title: String? = nil, subtitle: String? = nil) -> RGBImage {
        var map = self
        let width = max(Int((extentMetres.x * pixelsPerMetre).rounded(.up)) + 2 * margin, 520)
        let lines = subtitle.map { wrap($0, columns: (width - 2 * margin) / 6) } ?? []
        map.headerLines = 1 + lines.count
        var canvas = map.base(title: title)
        for (k, line) in lines.enumerated() { canvas.drawText(line, x: margin, y: 6 + 10 * (k + 1), color: RGB8(60, 60, 60)) }
        map.drawEvents(&canvas, events: events, finalScene: finalScene ?? scene)
        map.drawEpisode(&canvas, result: result)
        map.legend(&canvas)
        return canvas.image
    }

    private func drawEpisode(_ canvas: inout Canvas, result: EpisodeResult) {
        if let sp = result.shortestPath, sp.count > 1 {
            canvas.drawPolyline(sp.map(pixel), color: Self.shortestPathColor, width: 3)
        }
        let path = result.path
        if path.count > 1 { canvas.drawPolyline(path.map(pixel), color: Self.pathColor, width: 2.5) }
        for s in result.steps where s.collided {
            let c = pixel(Vec3(s.position[0], s.position[1], s.position[2]))
            canvas.drawLine(from: c - 4, to: c + 4, color: .black, width: 1.5)
            canvas.drawLine(from: c + Vec2(-4, 4), to: c + Vec2(4, -4), color: .black, width: 1.5)
        }
        let r = max(4, 0.15 * pixelsPerMetre)
        if let goal = result.goal {
            let g = pixel(goal.position)
            canvas.strokeCircle(center: g, radius: goal.radius * pixelsPerMetre, color: Self.targetColor, width: 1.5)
            canvas.fillCircle(center: g, radius: r, color: Self.targetColor)
        }
        if let first = result.steps.first, let last = result.steps.last {
            let s = pixel(Vec3(first.position[0], first.position[1], first.position[2]))
            canvas.fillCircle(center: s, radius: r, color: Self.sourceColor)
            arrow(&canvas, at: s, headingDeg: first.headingDeg, color: Self.sourceColor)
            let e = pixel(Vec3(last.position[0], last.position[1], last.position[2]))
            canvas.strokeCircle(center: e, radius: r, color: .black, width: 2)
            arrow(&canvas, at: e, headingDeg: last.headingDeg, color: .black)
        }
    }

    private func drawEvents(_ canvas: inout Canvas, events: [SceneEvent], finalScene: Scene) {
        func outline(_ lower: Vec3, _ upper: Vec3, label: String, cross: Bool) {
            let a = pixel(lower), b = pixel(upper)
            canvas.strokeRect(x: Int(a.x), y: Int(a.y), width: max(3, Int(b.x - a.x)), height: max(3, Int(b.y - a.y)),
                              color: Self.changeColor, lineWidth: 2)
            if cross {
                canvas.drawLine(from: a, to: b, color: Self.changeColor, width: 2)
                canvas.drawLine(from: Vec2(a.x, b.y), to: Vec2(b.x, a.y), color: Self.changeColor, width: 2)
            }
            canvas.drawText(label, x: Int(a.x), y: Int(b.y) + 3, color: Self.changeColor, background: RGB8(255, 255, 255))
        }
        for e in events {
            switch e.edit {
            case let .remove(id):
                if let box = scene.bounds(ofInstance: id) {
                    outline(box.lower, box.upper, label: "\(scene.category(ofInstance: id) ?? "#\(id)") removed @\(e.step)", cross: true)
                }
            case let .move(id, _, _):
                if let box = finalScene.bounds(ofInstance: id) {
                    outline(box.lower, box.upper, label: "\(finalScene.category(ofInstance: id) ?? "#\(id)") moved @\(e.step)", cross: false)
                }
            case let .add(category, position, size):
                outline(position - size / 2, position + size / 2, label: "\(category) added @\(e.step)", cross: false)
            }
        }
    }

    private func wrap(_ text: String, columns: Int) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > max(columns, 10) { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return Array(lines.prefix(4))
    }

    /// The map alone: floor, obstacles, object outlines and labels, room labels, title.
    public func base(title: String? = nil) -> Canvas {
        let w = Int((extentMetres.x * pixelsPerMetre).rounded(.up)) + 2 * margin
        let h = Int((extentMetres.y * pixelsPerMetre).rounded(.up)) + 2 * margin + titleHeight + legendHeight
        var canvas = Canvas(width: max(w, 520), height: h, background: Self.outsideColor)
        // Cells.
        let cellPx = navigation.cellSize * pixelsPerMetre
        for j in 0..<navigation.height {
            for i in 0..<navigation.width {
                let color: RGB8
                switch navigation.cellState(i: i, j: j) {
                case .outside: continue
                case .navigable: color = Self.navigableColor
                case .floor: color = Self.floorColor
                case .obstacle: color = Self.obstacleColor
                }
                let x0 = Int((Float(margin) + Float(i) * cellPx).rounded(.down))
                let y0 = Int((Float(margin + titleHeight) + Float(j) * cellPx).rounded(.down))
                let x1 = Int((Float(margin) + Float(i + 1) * cellPx).rounded(.down))
                let y1 = Int((Float(margin + titleHeight) + Float(j + 1) * cellPx).rounded(.down))
                canvas.fillRect(x: x0, y: y0, width: max(1, x1 - x0), height: max(1, y1 - y0), color: color)
            }
        }
        // Room outlines and labels.
        for region in scene.regions where region.footprint.count >= 3 {
            let pts = (region.footprint + [region.footprint[0]]).map { pixel(Vec3($0.x, 0, $0.y)) }
            canvas.drawPolyline(pts, color: RGB8(120, 150, 200), width: 1)
        }
        var placed: [(Int, Int, Int, Int)] = []
        func place(_ text: String, at c: Vec2, scale: Int, color: RGB8) {
            let (tw, th) = Canvas.textSize(text, scale: scale)
            let x = Int(c.x) - tw / 2, y = Int(c.y) - th / 2
            let box = (x - scale, y - scale, tw + 2 * scale, th + 2 * scale)
            for b in placed where box.0 < b.0 + b.2 && b.0 < box.0 + box.2 && box.1 < b.1 + b.3 && b.1 < box.1 + box.3 { return }
            placed.append(box)
            canvas.drawText(text, x: x, y: y, color: color, scale: scale, background: RGB8(255, 255, 235))
        }
        for region in scene.regions where !region.footprint.isEmpty {
            place(region.label.uppercased(), at: pixel(Vec3(region.center.x, 0, region.center.y)), scale: 2, color: RGB8(30, 60, 140))
        }
        // Objects: outline of each instance's footprint, labels for the larger ones first.
        var objects: [(id: UInt32, category: String, box: AABB)] = []
        for id in scene.instances.keys.sorted() {
            guard let info = scene.instances[id], !Self.structural.contains(info.category.lowercased()),
                  let b = scene.bounds(ofInstance: id) else { continue }
            objects.append((id, info.category, b))
        }
        for o in objects {
            let a = pixel(o.box.lower), b = pixel(o.box.upper)
            canvas.strokeRect(x: Int(a.x), y: Int(a.y), width: max(2, Int(b.x - a.x)), height: max(2, Int(b.y - a.y)),
                              color: instanceColor(o.id))
        }
        for o in objects.sorted(by: { ($0.box.extent.x * $0.box.extent.z, $1.id) > ($1.box.extent.x * $1.box.extent.z, $0.id) }) {
            let c = o.box.center
            place(o.category, at: pixel(Vec3(c.x, 0, c.z)), scale: 1, color: .black)
        }
        if let title { canvas.drawText(title, x: margin, y: 6, color: .black, scale: 1) }
        return canvas
    }

    private func arrow(_ canvas: inout Canvas, at p: Vec2, headingDeg: Float, color: RGB8) {
        let h = headingDeg.radians
        let f = Vec2(-sinf(h), -cosf(h))  // world forward (x, z) → image (x, y)
        let len = max(10, 0.45 * pixelsPerMetre)
        canvas.drawArrow(from: p, to: p + f * len, color: color, width: 2)
    }

    private func legend(_ canvas: inout Canvas) {
        var x = margin
        var y = canvas.height - legendHeight + 4
        let items: [(String, RGB8)] = [
            ("navigable", Self.navigableColor), ("floor within the agent radius", Self.floorColor),
            ("obstacle", Self.obstacleColor), ("no floor", Self.outsideColor), ("start", Self.sourceColor),
            ("goal", Self.targetColor), ("shortest path", Self.shortestPathColor), ("path taken", Self.pathColor),
            ("end pose", .black), ("scene event", Self.changeColor)]
        for (label, color) in items {
            let w = 13 + Canvas.textSize(label).width + 12
            if x + w > canvas.width - margin { x = margin; y += 13 }
            canvas.fillRect(x: x, y: y, width: 10, height: 8, color: color)
            if color == Self.outsideColor { canvas.strokeRect(x: x, y: y, width: 10, height: 8, color: RGB8(150, 150, 150)) }
            canvas.drawText(label, x: x + 13, y: y, color: .black)
            x += w
        }
    }
}
