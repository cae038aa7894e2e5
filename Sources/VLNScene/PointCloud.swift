import VLNCore

/// A labelled point cloud in world coordinates (metres, Y up), as from a real scan (ScanNet's per-vertex
/// `label` and `instance` convention). All arrays have the same count.
public struct PointCloud: Sendable {
    /// Point positions, metres.
    public var positions: [Vec3]
    /// Colour per point.
    public var colors: [RGB8]
    /// Semantic label id per point in the scene's label set (NYU40 for ScanNet), 0 = unannotated.
    public var semanticLabels: [UInt16]
    /// Instance id per point, 0 = none.
    public var instanceIds: [UInt32]
    /// Radius of the disc each point is splatted as when rendered, metres. ScanNet's vh_clean_2 vertices are
    /// about 2–5 cm apart.
    public var pointRadius: Float

    /// From positions (metres) and optional per-point arrays: missing colours are grey (200, 200, 200), missing labels and
    /// instances 0. - Precondition: every given array has `positions.count` entries.
    public init(positions: [Vec3] = [], colors: [RGB8]? = nil, semanticLabels: [UInt16]? = nil,
                instanceIds: [UInt32]? = nil, pointRadius: Float = 0.03) {
        self.positions = positions
        self.colors = colors ?? Array(repeating: RGB8(200, 200, 200), count: positions.count)
        self.semanticLabels = semanticLabels ?? Array(repeating: 0, count: positions.count)
        self.instanceIds = instanceIds ?? Array(repeating: 0, count: positions.count)
        self.pointRadius = pointRadius
        precondition(self.colors.count == positions.count && self.semanticLabels.count == positions.count
                     && self.instanceIds.count == positions.count)
    }

    /// Number of points.
    public var count: Int { positions.count }
    /// Whether there are no points.
    public var isEmpty: Bool { positions.isEmpty }

    /// Axis-aligned bounds of the positions, metres (`AABB.empty` for no points).
    public var bounds: AABB {
        var b = AABB.empty
        for p in positions { b.formUnion(p) }
        return b
    }

    /// Keeps the points for which `keep(index)` is true.
    public func filtering(_ keep: (Int) -> Bool) -> PointCloud {
        var out = PointCloud(pointRadius: pointRadius)
        for i in positions.indices where keep(i) {
            out.positions.append(positions[i]); out.colors.append(colors[i])
            out.semanticLabels.append(semanticLabels[i]); out.instanceIds.append(instanceIds[i])
        }
        return out
    }

    /// Appends `other`'s points (its `pointRadius` is ignored).
    public mutating func append(_ other: PointCloud) {
        positions += other.positions; colors += other.colors
        semanticLabels += other.semanticLabels; instanceIds += other.instanceIds
    }
}
