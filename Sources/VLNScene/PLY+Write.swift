import Foundation
import VLNCore

extension PLY {
    /// Writes a point cloud as binary little-endian PLY, atomically.
    ///
    /// Vertex properties: `float x y z` (metres, as stored — Y up for scenes in the world frame),
    /// `uchar red green blue`, then `ushort label` if any point has a non-zero label, then `instance` if any point
    /// has a non-zero instance id (`ushort` when every id fits in 16 bits, as in ScanNet, else `uint`).
    /// - Throws: `VLNError.io` if the file cannot be written (nothing partial is left behind).
    public static func write(_ cloud: PointCloud, to path: String, comments: [String] = []) throws {
        let hasLabels = cloud.semanticLabels.contains { $0 != 0 }
        let maxInstance = cloud.instanceIds.max() ?? 0
        let hasInstances = maxInstance != 0
        let wideInstances = maxInstance > UInt32(UInt16.max)
        var head = "ply\nformat binary_little_endian 1.0\ncomment written by vlnsim\n"
        for c in comments { head += "comment \(c)\n" }
        head += "element vertex \(cloud.count)\nproperty float x\nproperty float y\nproperty float z\n"
        head += "property uchar red\nproperty uchar green\nproperty uchar blue\n"
        if hasLabels { head += "property ushort label\n" }
        if hasInstances { head += wideInstances ? "property uint instance\n" : "property ushort instance\n" }
        head += "end_header\n"
        let stride = 15 + (hasLabels ? 2 : 0) + (hasInstances ? (wideInstances ? 4 : 2) : 0)
        var bytes = [UInt8](head.utf8)
        let h = bytes.count
        bytes += [UInt8](repeating: 0, count: cloud.count * stride)
        bytes.withUnsafeMutableBytes { p in
            for i in 0..<cloud.count {
                var o = h + i * stride
                assert(o + stride <= p.count)
                let v = cloud.positions[i]
                p.storeBytes(of: v.x.bitPattern.littleEndian, toByteOffset: o, as: UInt32.self)
                p.storeBytes(of: v.y.bitPattern.littleEndian, toByteOffset: o + 4, as: UInt32.self)
                p.storeBytes(of: v.z.bitPattern.littleEndian, toByteOffset: o + 8, as: UInt32.self)
                let c = cloud.colors[i]
                p[o + 12] = c.r; p[o + 13] = c.g; p[o + 14] = c.b
                o += 15
                if hasLabels { p.storeBytes(of: cloud.semanticLabels[i].littleEndian, toByteOffset: o, as: UInt16.self); o += 2 }
                if hasInstances {
                    if wideInstances { p.storeBytes(of: cloud.instanceIds[i].littleEndian, toByteOffset: o, as: UInt32.self) }
                    else { p.storeBytes(of: UInt16(cloud.instanceIds[i]).littleEndian, toByteOffset: o, as: UInt16.self) }
                }
            }
        }
        try writeAtomically(Data(bytes), to: path)
    }

    /// Writes a triangle mesh as binary little-endian PLY, atomically.
    ///
    /// `element vertex` with `float x y z`; `element face` with `list uchar int vertex_indices`,
    /// `uchar red green blue` (the triangle's colour) and `uint instance` (the triangle's instance id), which
    /// `read(path:)` / `PLYData.mesh()` give back unchanged.
    /// - Throws: `VLNError.io` if the file cannot be written (nothing partial is left behind).
    public static func write(_ mesh: TriangleMesh, to path: String, comments: [String] = []) throws {
        var head = "ply\nformat binary_little_endian 1.0\ncomment written by vlnsim\n"
        for c in comments { head += "comment \(c)\n" }
        head += "element vertex \(mesh.vertices.count)\nproperty float x\nproperty float y\nproperty float z\n"
        head += "element face \(mesh.triangleCount)\nproperty list uchar int vertex_indices\n"
        head += "property uchar red\nproperty uchar green\nproperty uchar blue\nproperty uint instance\nend_header\n"
        var bytes = [UInt8](head.utf8)
        let h = bytes.count
        let faceStride = 1 + 12 + 3 + 4
        bytes += [UInt8](repeating: 0, count: mesh.vertices.count * 12 + mesh.triangleCount * faceStride)
        bytes.withUnsafeMutableBytes { p in
            var o = h
            for v in mesh.vertices {
                p.storeBytes(of: v.x.bitPattern.littleEndian, toByteOffset: o, as: UInt32.self)
                p.storeBytes(of: v.y.bitPattern.littleEndian, toByteOffset: o + 4, as: UInt32.self)
                p.storeBytes(of: v.z.bitPattern.littleEndian, toByteOffset: o + 8, as: UInt32.self)
                o += 12
            }
            for i in 0..<mesh.triangleCount {
                assert(o + faceStride <= p.count)
                let t = mesh.triangles[i]
                p[o] = 3
                p.storeBytes(of: Int32(t.x).littleEndian, toByteOffset: o + 1, as: Int32.self)
                p.storeBytes(of: Int32(t.y).littleEndian, toByteOffset: o + 5, as: Int32.self)
                p.storeBytes(of: Int32(t.z).littleEndian, toByteOffset: o + 9, as: Int32.self)
                let c = mesh.triangleColors[i]
                p[o + 13] = c.r; p[o + 14] = c.g; p[o + 15] = c.b
                p.storeBytes(of: mesh.triangleInstanceIds[i].littleEndian, toByteOffset: o + 16, as: UInt32.self)
                o += faceStride
            }
        }
        try writeAtomically(Data(bytes), to: path)
    }
}
