import VLNCore

/// How a `NavigationGrid` is built from a scene: the agent's cylinder and the grid's resolution
/// (Habitat's `NavMeshSettings` vocabulary). All lengths in metres.
public struct NavigationSettings: Equatable, Sendable {
    /// Radius of the agent's cylinder, metres. A cell is navigable only if no obstacle and no floor edge lies
    /// closer than this to its centre.
    public var agentRadius: Float = 0.1
    /// Height of the agent's cylinder, metres. Geometry higher than this above the floor does not block.
    public var agentHeight: Float = 1.5
    /// XZ-plane cell size, metres (square cells).
    public var cellSize: Float = 0.05
    /// Step height ignored as an obstacle, metres: geometry at most this high above the local floor
    /// (thresholds, rugs, cables) does not block.
    public var maxClimb: Float = 0.2
    /// A floor-category triangle is walkable only if its unit normal has `y` above this (0.9 ≈ 25.8° slope).
    public var floorMinNormalY: Float = 0.9
    /// Radius, in cells, of the square used to close holes in the floor (morphological closing: dilation then
    /// erosion). Fills holes and gaps up to `2 · floorHoleClosing` cells wide — needed for scanned point
    /// clouds whose floor points are a few centimetres apart. 0 disables closing.
    public var floorHoleClosing: Int = 2
    /// Largest horizontal distance, metres, over which `snapPoint` (and the endpoints of `geodesicDistance`,
    /// `shortestPath`, `distanceField`) look for a navigable cell.
    public var maxSnapDistance: Float = 1.0
    /// `isNavigable(p)` also requires `|p.y − floor height| ≤ maxYDelta`, metres (Habitat's `max_y_delta`).
    public var maxYDelta: Float = 0.5

    /// Settings with the given values (metres, cells for `floorHoleClosing`); call `validate()` on values from users.
    public init(agentRadius: Float = 0.1, agentHeight: Float = 1.5, cellSize: Float = 0.05, maxClimb: Float = 0.2,
                floorMinNormalY: Float = 0.9, floorHoleClosing: Int = 2, maxSnapDistance: Float = 1.0,
                maxYDelta: Float = 0.5) {
        self.agentRadius = agentRadius; self.agentHeight = agentHeight; self.cellSize = cellSize
        self.maxClimb = maxClimb; self.floorMinNormalY = floorMinNormalY; self.floorHoleClosing = floorHoleClosing
        self.maxSnapDistance = maxSnapDistance; self.maxYDelta = maxYDelta
    }

    /// Checks that every field is finite and in range.
    /// - Throws: `VLNError.invalidValue` naming the first bad field.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ reason: String) throws {
            if !ok { throw VLNError.invalidValue(field: "NavigationSettings.\(field)", reason: reason) }
        }
        try check(cellSize.isFinite && cellSize > 0, "cellSize", "must be > 0 metres, got \(cellSize)")
        try check(agentRadius.isFinite && agentRadius >= 0, "agentRadius", "must be ≥ 0 metres, got \(agentRadius)")
        try check(agentRadius <= 100 * cellSize, "agentRadius",
                  "\(agentRadius) m is more than 100 cells of \(cellSize) m; use a coarser cellSize")
        try check(maxClimb.isFinite && maxClimb >= 0, "maxClimb", "must be ≥ 0 metres, got \(maxClimb)")
        try check(agentHeight.isFinite && agentHeight > maxClimb, "agentHeight",
                  "must be finite and > maxClimb (\(maxClimb) m), got \(agentHeight)")
        try check(floorMinNormalY.isFinite && floorMinNormalY >= 0 && floorMinNormalY < 1, "floorMinNormalY",
                  "must be in [0, 1), got \(floorMinNormalY)")
        try check((0...16).contains(floorHoleClosing), "floorHoleClosing", "must be 0…16 cells, got \(floorHoleClosing)")
        try check(maxSnapDistance.isFinite && maxSnapDistance >= 0, "maxSnapDistance",
                  "must be ≥ 0 metres, got \(maxSnapDistance)")
        try check(maxYDelta.isFinite && maxYDelta >= 0, "maxYDelta", "must be ≥ 0 metres, got \(maxYDelta)")
    }
}
