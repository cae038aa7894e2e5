import VLNCore
import VLNScene

/// Back-projects depth images into 3-D points, reusing its buffers from frame to frame.
///
/// A pixel `(x, y)` with valid depth `d` (metres, z-depth: `minDepth < d ≤ maxDepth`, finite; 0 means invalid) becomes
/// the camera-frame point `d · cameraRay(x + 0.5, y + 0.5) = (d·(x + 0.5 − cx)/fx, −d·(y + 0.5 − cy)/fy, −d)`
/// (OpenGL camera: x right, y up, −z forward; `CameraIntrinsics`' pixel-centre convention), then
/// `worldFromCamera · p` if a pose is given. Points come in row-major pixel order.
///
/// After `lift`, `positions`, `colors` and `pixelIndices` hold `count` entries each, valid until the next call (the
/// storage is reused). Buffers grow only when a larger frame (or a finer stride) comes; a loop over frames of one size
/// allocates nothing after the first. Not thread-safe: use one `Lifter` per thread.
public final class Lifter {
    /// Number of points of the last `lift`.
    public private(set) var count = 0
    private var capacity = 0
    private var positionStore: UnsafeMutablePointer<Vec3>
    private var colorStore: UnsafeMutablePointer<RGB8>
    private var pixelStore: UnsafeMutablePointer<UInt32>
    private var hasColors = false
    // Per-column (x + 0.5 − cx) / fx and per-row −(y + 0.5 − cy) / fy of the last intrinsics.
    private var rayX: [Float] = []
    private var rayY: [Float] = []
    private var rayIntrinsics: CameraIntrinsics?

    /// An empty lifter; its buffers grow with the first frame.
    public init() {
        positionStore = .allocate(capacity: 1); colorStore = .allocate(capacity: 1); pixelStore = .allocate(capacity: 1)
    }

    deinit { positionStore.deallocate(); colorStore.deallocate(); pixelStore.deallocate() }

    /// Positions of the last `lift`, metres: world frame if a pose was given, else the camera frame (OpenGL).
    public var positions: UnsafeBufferPointer<Vec3> { UnsafeBufferPointer(start: positionStore, count: count) }
    /// Colours of the last `lift` (empty if it had no colour image).
    public var colors: UnsafeBufferPointer<RGB8> { UnsafeBufferPointer(start: colorStore, count: hasColors ? count : 0) }
    /// Pixel index `y · width + x` of each point of the last `lift`.
    public var pixelIndices: UnsafeBufferPointer<UInt32> { UnsafeBufferPointer(start: pixelStore, count: count) }

    /// Back-projects the valid pixels of every `stride`-th row and column (starting at 0).
    /// - Parameters:
    ///   - depth: `height × width` z-depth, metres; 0, negative or non-finite = invalid.
    ///   - color: optional `height × width` colour image registered to `depth`.
    ///   - intrinsics: of the depth image, pixels; its size must be the depth's.
    ///   - worldFromCamera: pose of the camera (OpenGL convention); nil keeps camera-frame points.
    ///   - stride: take every `stride`-th pixel in x and y (≥ 1).
    ///   - minDepth, maxDepth: keep `minDepth < d ≤ maxDepth` (metres).
    /// - Returns: the number of points (`count`).
    /// - Precondition: sizes agree, `stride ≥ 1` (programmer errors: the loaders check files before this).
    /// - Complexity: O(width · height / stride²); no allocation once the buffers have grown to the frame size.
    @discardableResult
    public func lift(depth: DepthImage, color: RGBImage? = nil, intrinsics k: CameraIntrinsics,
                     worldFromCamera: RigidTransform? = nil, stride: Int = 1,
                     minDepth: Float = 0, maxDepth: Float = .greatestFiniteMagnitude) -> Int {
        precondition(depth.width == k.width && depth.height == k.height, "depth \(depth.width)×\(depth.height) vs intrinsics \(k.width)×\(k.height)")
        precondition(color == nil || (color!.width == depth.width && color!.height == depth.height), "colour size differs from depth")
        precondition(stride >= 1, "stride must be ≥ 1")
        let w = depth.width, h = depth.height
        let maxPoints = ((w + stride - 1) / stride) * ((h + stride - 1) / stride)
        reserve(maxPoints)
        prepareRays(k)
        hasColors = color != nil
        let pose = worldFromCamera ?? .identity
        let c0 = pose.rotation.c0, c1 = pose.rotation.c1, c2 = pose.rotation.c2, t = pose.translation
        let lo = minDepth, hi = maxDepth
        var n = 0
        let out = positionStore, outColor = colorStore, outPixel = pixelStore
        rayX.withUnsafeBufferPointer { rx in
            rayY.withUnsafeBufferPointer { ry in
                depth.pixels.withUnsafeBufferPointer { dp in
                    if let color {
                        color.pixels.withUnsafeBufferPointer { cp in
                            n = Self.liftRows(dp, cp, rx, ry, w, h, stride, lo, hi, c0, c1, c2, t, out, outColor, outPixel, maxPoints)
                        }
                    } else {
                        n = Self.liftRows(dp, nil, rx, ry, w, h, stride, lo, hi, c0, c1, c2, t, out, outColor, outPixel, maxPoints)
                    }
                }
            }
        }
        count = n
        return n
    }

    /// The loop of `lift`, a static function on plain arguments (no class or captured-variable access inside).
    private static func liftRows(_ dp: UnsafeBufferPointer<Float>, _ cp: UnsafeBufferPointer<RGB8>?,
                                 _ rx: UnsafeBufferPointer<Float>, _ ry: UnsafeBufferPointer<Float>,
                                 _ w: Int, _ h: Int, _ stride: Int, _ lo: Float, _ hi: Float,
                                 _ c0: Vec3, _ c1: Vec3, _ c2: Vec3, _ t: Vec3,
                                 _ out: UnsafeMutablePointer<Vec3>, _ outColor: UnsafeMutablePointer<RGB8>,
                                 _ outPixel: UnsafeMutablePointer<UInt32>, _ maxPoints: Int) -> Int {
        var n = 0
        var y = 0
        while y < h {
            // p = R · (d·rx, d·ry, −d) + t = d · (c0·rx + (c1·ry − c2)) + t
            let rowBase = c1 * ry[y] - c2
            let row = y &* w
            var x = 0
            while x < w {
                let d = dp[row &+ x]
                if d > lo && d <= hi {
                    assert(n < maxPoints)
                    out[n] = d * (c0 * rx[x] + rowBase) + t
                    if let cp { outColor[n] = cp[row &+ x] }
                    outPixel[n] = UInt32(truncatingIfNeeded: row &+ x)
                    n &+= 1
                }
                x &+= stride
            }
            y &+= stride
        }
        return n
    }

    /// The points of the last `lift` as a point cloud (a copy; grey without colour).
    public func pointCloud() -> PointCloud {
        PointCloud(positions: Array(positions), colors: hasColors ? Array(colors) : nil)
    }

    private func reserve(_ n: Int) {
        guard n > capacity else { return }
        positionStore.deallocate(); colorStore.deallocate(); pixelStore.deallocate()
        positionStore = .allocate(capacity: n); colorStore = .allocate(capacity: n); pixelStore = .allocate(capacity: n)
        capacity = n
    }

    private func prepareRays(_ k: CameraIntrinsics) {
        guard rayIntrinsics != k else { return }
        rayX = (0..<k.width).map { (Float($0) + 0.5 - k.cx) / k.fx }
        rayY = (0..<k.height).map { -(Float($0) + 0.5 - k.cy) / k.fy }
        rayIntrinsics = k
    }
}
