import CEncoderKernels
import Foundation
import VLNCore

/// MobileNetV2 (Sandler et al. 2018, "MobileNetV2: Inverted Residuals and Linear Bottlenecks", arXiv:1801.04381),
/// width 1.0, as torchvision's `mobilenet_v2` with its ImageNet weights (`IMAGENET1K_V1`), in inference mode.
///
/// Network (torchvision's module names): `features.0` a 3×3 stride-2 convolution 3 → 32 + BN + ReLU6;
/// `features.1…17` the inverted residual blocks of the paper's table 2 (`t, c, n, s`: 1,16,1,1 · 6,24,2,2 ·
/// 6,32,3,2 · 6,64,4,2 · 6,96,3,1 · 6,160,3,2 · 6,320,1,1): a 1×1 expansion to `t·c_in` channels + BN + ReLU6
/// (absent when `t = 1`), a 3×3 depthwise convolution (stride `s` in a group's first block, else 1; padding 1)
/// + BN + ReLU6, a linear 1×1 projection to `c` + BN, plus the block's input when the stride is 1 and the
/// channel counts agree; `features.18` a 1×1 convolution 320 → 1280 + BN + ReLU6; a global average pool;
/// `classifier` = dropout (identity at inference) + `Linear(1280, 1000)`.
///
/// Batch-norm (running statistics, eps 1e-5) is folded into each convolution's weights and bias at load. The
/// stem convolution runs as im2col + `cblas_sgemm`, the 1×1 convolutions as plain `sgemm`s over the
/// channels-last activations, the depthwise convolutions as direct SIMD loops.
///
/// Layouts: the input is an `ImageTensor` (`3 × H × W`, planar CHW, normalised as `ImageNetPreprocessing` does);
/// activations inside and the output feature map are channels last (HWC, `FeatureMap`'s layout). Any input size
/// ≥ 1×1 works; the feature map is `ceil(H / 32) × ceil(W / 32)` (7×7 for 224×224).
public struct MobileNetV2: Sendable {
    /// Channels of the final feature map and of the pooled feature.
    public static let featureChannels = 1280
    /// ImageNet-1k classes.
    public static let classCount = 1000
    /// Pixels per feature-map cell along each axis (five stride-2 stages).
    public static let stride = 32
    /// Batch-norm epsilon (torchvision's `BatchNorm2d` default).
    public static let batchNormEps = 1e-5

    /// One row of the paper's table 2: expansion factor `t`, output channels `c`, repeats `n`, first stride `s`.
    public struct BlockSetting: Sendable, Equatable {
        /// Expansion factor, output channels, number of blocks, stride of the first block.
        public let t: Int, c: Int, n: Int, s: Int
    }

    /// Sandler et al. 2018, table 2 (width multiplier 1.0), as torchvision's `inverted_residual_setting`.
    public static let blockSettings: [BlockSetting] = [
        .init(t: 1, c: 16, n: 1, s: 1), .init(t: 6, c: 24, n: 2, s: 2), .init(t: 6, c: 32, n: 3, s: 2),
        .init(t: 6, c: 64, n: 4, s: 2), .init(t: 6, c: 96, n: 3, s: 1), .init(t: 6, c: 160, n: 3, s: 2),
        .init(t: 6, c: 320, n: 1, s: 1),
    ]

    /// What one forward pass gives.
    public struct Output: Sendable {
        /// The final feature map (after `features.18`'s ReLU6), `ceil(H/32) × ceil(W/32) × 1280`, channels last.
        public var featureMap: FeatureMap
        /// The global average of `featureMap` over its cells, 1280 values (the classifier's input).
        public var pooled: [Float]
        /// The 1000 ImageNet logits (no softmax), in the order of imagenet_classes.txt.
        public var logits: [Float]
    }

    /// A 1×1 convolution with batch-norm folded in: `y = x · Wᵀ + b` per pixel.
    struct Pointwise: Sendable {
        let inputs: Int, outputs: Int
        /// `inputs × outputs`, row-major (the transpose of PyTorch's `outputs × inputs × 1 × 1`).
        let weightT: [Float]
        let bias: [Float]
    }

    /// A 3×3 depthwise convolution (padding 1) with batch-norm folded in.
    struct Depthwise: Sendable {
        let channels: Int, stride: Int
        /// `9 × channels`: tap `(ky, kx)` of channel `c` at `(ky · 3 + kx) · channels + c`.
        let weight: [Float]
        let bias: [Float]
    }

    struct Block: Sendable {
        let expand: Pointwise?
        let depthwise: Depthwise
        let project: Pointwise
        let residual: Bool
    }

    /// Stem: `27 × 32`, row `c · 9 + ky · 3 + kx` (im2col order), then its bias.
    let stem: Pointwise
    let blocks: [Block]
    let head: Pointwise
    let classifier: Linear

    /// The file the weights came from, for messages.
    public let path: String

    /// Loads `mobilenet_v2.safetensors` from the model cache (see `ModelPath`; set-up converts torchvision's
    /// `mobilenet_v2-b0353104.pth` into it).
    /// - Parameter models: the model cache or the `mobilenet-v2` folder; `nil` = `$VLNSIM_MODELS` or `~/.cache/vlnsim`.
    /// - Throws: `VLNError.io` saying how to get the weights if they are missing; `VLNError.badFile` naming the
    ///   file and the tensor if the file is corrupt, a tensor is missing or has the wrong shape.
    public init(models: String? = nil) throws {
        let dir = try ModelPath.resolve(.mobileNetV2, in: models)
        try self.init(file: dir + "/" + ModelPath.Model.mobileNetV2.requiredFiles[0])
    }

    /// Loads the weights from a safetensors file holding torchvision's `mobilenet_v2` state dict.
    /// - Throws: as `init(models:)`.
    public init(file: String) throws {
        try self.init(weights: SafeTensors(contentsOf: file))
    }

    /// From torchvision's state dict (tensor names `features.…`, `classifier.1.…`), checked tensor by tensor.
    /// - Throws: `VLNError.badFile` naming the file and the tensor (with its shape and the expected one).
    public init(weights w: SafeTensors) throws {
        func bn(_ prefix: String, _ n: Int) throws -> (scale: [Double], shift: [Double]) {
            let g = try w.floats(prefix + ".weight", shape: [n]), b = try w.floats(prefix + ".bias", shape: [n])
            let m = try w.floats(prefix + ".running_mean", shape: [n]), v = try w.floats(prefix + ".running_var", shape: [n])
            var scale = [Double](repeating: 0, count: n), shift = [Double](repeating: 0, count: n)
            for i in 0..<n {
                guard v[i] >= 0, v[i].isFinite else {
                    throw VLNError.badFile(path: w.path, field: prefix + ".running_var", reason: "element \(i) is \(v[i]), not a variance")
                }
                scale[i] = Double(g[i]) / (Double(v[i]) + MobileNetV2.batchNormEps).squareRoot()
                shift[i] = Double(b[i]) - Double(m[i]) * scale[i]
            }
            return (scale, shift)
        }
        /// PyTorch `outputs × inputs × 1 × 1` + BN → `inputs × outputs`.
        func pointwise(_ conv: String, _ norm: String, inputs: Int, outputs: Int) throws -> Pointwise {
            let k = try w.floats(conv, shape: [outputs, inputs, 1, 1])
            let (scale, shift) = try bn(norm, outputs)
            var t = [Float](repeating: 0, count: inputs * outputs)
            for o in 0..<outputs {
                for i in 0..<inputs { t[i * outputs + o] = Float(Double(k[o * inputs + i]) * scale[o]) }
            }
            return Pointwise(inputs: inputs, outputs: outputs, weightT: t, bias: shift.map { Float($0) })
        }
        func depthwise(_ conv: String, _ norm: String, channels: Int, stride: Int) throws -> Depthwise {
            let k = try w.floats(conv, shape: [channels, 1, 3, 3])
            let (scale, shift) = try bn(norm, channels)
            var t = [Float](repeating: 0, count: 9 * channels)
            for c in 0..<channels {
                for tap in 0..<9 { t[tap * channels + c] = Float(Double(k[c * 9 + tap]) * scale[c]) }
            }
            return Depthwise(channels: channels, stride: stride, weight: t, bias: shift.map { Float($0) })
        }
        // Stem: 32 × 3 × 3 × 3 → 27 × 32 in im2col order (c, ky, kx).
        do {
            let k = try w.floats("features.0.0.weight", shape: [32, 3, 3, 3])
            let (scale, shift) = try bn("features.0.1", 32)
            var t = [Float](repeating: 0, count: 27 * 32)
            for o in 0..<32 {
                for r in 0..<27 { t[r * 32 + o] = Float(Double(k[o * 27 + r]) * scale[o]) }
            }
            stem = Pointwise(inputs: 27, outputs: 32, weightT: t, bias: shift.map { Float($0) })
        }
        var blocks = [Block]()
        var inputs = 32, index = 1
        for setting in MobileNetV2.blockSettings {
            for r in 0..<setting.n {
                let p = "features.\(index).conv."
                let hidden = inputs * setting.t
                let stride = r == 0 ? setting.s : 1
                if setting.t == 1 {
                    blocks.append(Block(expand: nil,
                                        depthwise: try depthwise(p + "0.0.weight", p + "0.1", channels: hidden, stride: stride),
                                        project: try pointwise(p + "1.weight", p + "2", inputs: hidden, outputs: setting.c),
                                        residual: stride == 1 && inputs == setting.c))
                } else {
                    blocks.append(Block(expand: try pointwise(p + "0.0.weight", p + "0.1", inputs: inputs, outputs: hidden),
                                        depthwise: try depthwise(p + "1.0.weight", p + "1.1", channels: hidden, stride: stride),
                                        project: try pointwise(p + "2.weight", p + "3", inputs: hidden, outputs: setting.c),
                                        residual: stride == 1 && inputs == setting.c))
                }
                inputs = setting.c
                index += 1
            }
        }
        self.blocks = blocks
        head = try pointwise("features.18.0.weight", "features.18.1", inputs: 320, outputs: MobileNetV2.featureChannels)
        classifier = try Linear(w, "classifier.1", inputs: MobileNetV2.featureChannels, outputs: MobileNetV2.classCount)
        path = w.path
    }

    /// The feature-map size (cells high, cells wide) for an input of `height × width` pixels: each stride-2 stage
    /// (3×3, padding 1) maps `n` to `(n + 1) / 2`.
    public static func featureMapSize(height: Int, width: Int) -> (high: Int, wide: Int) {
        var h = height, w = width
        for _ in 0..<5 { h = (h + 1) / 2; w = (w + 1) / 2 }
        return (h, w)
    }

    /// Runs the network on one preprocessed image.
    /// - Parameters:
    ///   - input: `3 × H × W` (see `ImageNetPreprocessing`), `H, W ≥ 1`.
    ///   - workspace: buffers reused across calls (grown to the largest input seen); give each thread its own.
    ///     Once grown, a call allocates only the three arrays it returns.
    /// - Throws: `VLNError.invalidValue` (field `input`) for a zero-size input or one without 3 channels.
    /// - Complexity: about 300 M multiply-adds for 224×224, proportional to `H · W`.
    public func forward(_ input: ImageTensor, workspace: Workspace) throws -> Output {
        guard input.channels == 3 else {
            throw VLNError.invalidValue(field: "input", reason: "\(input.channels) channels, MobileNetV2 takes 3 (RGB)")
        }
        guard input.height > 0, input.width > 0 else {
            throw VLNError.invalidValue(field: "input", reason: "the input is \(input.width)×\(input.height): nothing to encode")
        }
        let (fh, fw) = features(input, workspace: workspace)
        let cells = fh * fw, c = MobileNetV2.featureChannels
        let map = Array(UnsafeBufferPointer(start: workspace.output, count: cells * c))
        var pooled = [Float](repeating: 0, count: c)
        pooled.withUnsafeMutableBufferPointer { vln_conv_mean_rows(workspace.output, cells, c, $0.baseAddress!) }
        var logits = [Float](repeating: 0, count: MobileNetV2.classCount)
        pooled.withUnsafeBufferPointer { p in
            logits.withUnsafeMutableBufferPointer { l in
                classifier.apply(rows: 1, x: p.baseAddress!, ldx: c, y: l.baseAddress!, ldy: MobileNetV2.classCount)
            }
        }
        return Output(featureMap: FeatureMap(patchesHigh: fh, patchesWide: fw, channels: c, values: map), pooled: pooled, logits: logits)
    }

    /// Runs the network with a fresh workspace (allocates; pass a `Workspace` in loops).
    /// - Throws: as `forward(_:workspace:)`.
    public func forward(_ input: ImageTensor) throws -> Output { try forward(input, workspace: Workspace()) }

    /// The classifier applied to each of `rows` 1280-d features: `rows × 1000` logits, row-major.
    /// - Precondition: `features.count == rows · 1280`.
    public func logits(features: [Float], rows: Int) -> [Float] {
        precondition(rows >= 0 && features.count == rows * MobileNetV2.featureChannels)
        guard rows > 0 else { return [] }
        var out = [Float](repeating: 0, count: rows * MobileNetV2.classCount)
        features.withUnsafeBufferPointer { f in
            out.withUnsafeMutableBufferPointer { o in
                classifier.apply(rows: rows, x: f.baseAddress!, ldx: MobileNetV2.featureChannels, y: o.baseAddress!, ldy: MobileNetV2.classCount)
            }
        }
        return out
    }

    /// Buffers for one forward pass at a time, kept between calls (no allocation once grown to the input size).
    /// Not thread-safe: one workspace per thread.
    public final class Workspace {
        var capacity = (col: 0, a: 0, b: 0, hidden: 0, hidden2: 0, output: 0)
        var col = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        var a = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        var b = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        var hidden = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        var hidden2 = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        var output = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        /// Zeros standing in for the depthwise convolutions' padding (as many as the widest layer's channels).
        let zeros: UnsafeMutablePointer<Float> = {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: 1280)
            p.initialize(repeating: 0, count: 1280)
            return p
        }()

        /// An empty workspace; its buffers grow on first use.
        public init() {}

        deinit { for p in [col, a, b, hidden, hidden2, output, zeros] { p.deallocate() } }

        static func grow(_ p: inout UnsafeMutablePointer<Float>, _ have: inout Int, _ need: Int) {
            guard need > have else { return }
            p.deallocate()
            p = .allocate(capacity: need)
            have = need
        }

        /// Grows the buffers for `height × width` inputs.
        func reserve(height: Int, width: Int) {
            var h = (height + 1) / 2, w = (width + 1) / 2
            var col = h * w * 27, act = h * w * 32, hidden = 0, hidden2 = 0
            var channels = 32
            for s in MobileNetV2.blockSettings {
                for r in 0..<s.n {
                    let stride = r == 0 ? s.s : 1
                    hidden = max(hidden, h * w * channels * s.t)
                    if stride == 2 { h = (h + 1) / 2; w = (w + 1) / 2 }
                    hidden2 = max(hidden2, h * w * channels * s.t)
                    channels = s.c
                    act = max(act, h * w * channels)
                }
            }
            col = max(col, 1)
            Workspace.grow(&self.col, &capacity.col, col)
            Workspace.grow(&a, &capacity.a, act)
            Workspace.grow(&b, &capacity.b, act)
            Workspace.grow(&self.hidden, &capacity.hidden, max(hidden, 1))
            Workspace.grow(&self.hidden2, &capacity.hidden2, max(hidden2, 1))
            Workspace.grow(&output, &capacity.output, h * w * MobileNetV2.featureChannels)
        }
    }

    /// `features.0…18` into `workspace.output` (channels last); returns the feature-map size.
    ///
    /// Each 1×1 convolution starts its output at the bias (plus the block input for a residual block) and lets
    /// `sgemm` accumulate into it (beta = 1); a ReLU6 that only feeds a depthwise convolution is applied by that
    /// convolution as it reads its input (every depthwise input is such an output: the stem's or an expansion's).
    func features(_ input: ImageTensor, workspace ws: Workspace) -> (Int, Int) {
        ws.reserve(height: input.height, width: input.width)
        var h = (input.height + 1) / 2, w = (input.width + 1) / 2
        input.values.withUnsafeBufferPointer { x in vln_conv_im2col3x3s2(x.baseAddress!, 3, input.height, input.width, ws.col) }
        var x = ws.a, spare = ws.b
        ConvolutionKernels.pointwise(stem, rows: h * w, input: ws.col, output: x)  // ReLU6 applied by block 1's depthwise
        for block in blocks {
            var dwInput = x
            if let e = block.expand {
                ConvolutionKernels.pointwise(e, rows: h * w, input: x, output: ws.hidden)
                dwInput = ws.hidden
            }
            let (oh, ow) = block.depthwise.stride == 2 ? ((h + 1) / 2, (w + 1) / 2) : (h, w)
            ConvolutionKernels.depthwise(block.depthwise, input: dwInput, height: h, width: w, clampInput: true,
                                         zeros: ws.zeros, output: ws.hidden2)
            h = oh; w = ow
            ConvolutionKernels.pointwise(block.project, rows: h * w, input: ws.hidden2, output: spare,
                                         residual: block.residual ? UnsafePointer(x) : nil)
            swap(&x, &spare)
        }
        ConvolutionKernels.pointwise(head, rows: h * w, input: x, output: ws.output)
        vln_conv_relu6(ws.output, h * w * MobileNetV2.featureChannels)
        return (h, w)
    }
}

/// The convolution kernels of `MobileNetV2` on raw buffers.
enum ConvolutionKernels {
    /// A 1×1 convolution over `rows` pixels (channels last), no activation: `output = input · Wᵀ + b [+ residual]`.
    static func pointwise(_ conv: MobileNetV2.Pointwise, rows: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                          residual: UnsafePointer<Float>? = nil) {
        let n = conv.outputs
        conv.bias.withUnsafeBufferPointer { b in vln_conv_set_rows(output, rows, n, b.baseAddress!, residual) }
        conv.weightT.withUnsafeBufferPointer { wt in
            BLAS.sgemm(m: rows, n: n, k: conv.inputs, a: input, lda: conv.inputs, b: wt.baseAddress!, ldb: n, beta: 1, c: output, ldc: n)
        }
    }

    /// A 3×3 depthwise convolution, padding 1, stride 1 or 2, + bias + ReLU6, channels last:
    /// `height × width × C` → `ceil(height / s) × ceil(width / s) × C`; with `clampInput`, ReLU6 is applied to the
    /// input as it is read. `zeros`: at least C zeros.
    static func depthwise(_ conv: MobileNetV2.Depthwise, input: UnsafePointer<Float>, height: Int, width: Int, clampInput: Bool,
                          zeros: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        assert(conv.channels <= 1280, "the workspace holds 1280 zeros")
        conv.weight.withUnsafeBufferPointer { w in
            conv.bias.withUnsafeBufferPointer { b in
                vln_conv_depthwise3x3(input, height, width, conv.channels, conv.stride, clampInput ? 1 : 0, w.baseAddress!, b.baseAddress!,
                                      zeros, output)
            }
        }
    }
}
