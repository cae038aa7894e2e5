#include "vln_conv.h"
#include "vln_kernels.h"
#include <string.h>

#include "dispatch.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE float relu6(float x) { return x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x); }

// One output pixel: 9 tap pointers (padding taps point at `zeros`), channels vectorised.
ALWAYS_INLINE void dw_pixel(const float *const *p, const float *restrict w, size_t c, const float *restrict bias,
                            int clamp_input, float *restrict out) {
    const float *restrict p0 = p[0], *restrict p1 = p[1], *restrict p2 = p[2], *restrict p3 = p[3], *restrict p4 = p[4];
    const float *restrict p5 = p[5], *restrict p6 = p[6], *restrict p7 = p[7], *restrict p8 = p[8];
    const float *restrict w0 = w, *restrict w1 = w + c, *restrict w2 = w + 2 * c, *restrict w3 = w + 3 * c;
    const float *restrict w4 = w + 4 * c, *restrict w5 = w + 5 * c, *restrict w6 = w + 6 * c, *restrict w7 = w + 7 * c;
    const float *restrict w8 = w + 8 * c;
    if (clamp_input) {
        for (size_t i = 0; i < c; i++) {
            float a = bias[i];
            a += relu6(p0[i]) * w0[i]; a += relu6(p1[i]) * w1[i]; a += relu6(p2[i]) * w2[i];
            a += relu6(p3[i]) * w3[i]; a += relu6(p4[i]) * w4[i]; a += relu6(p5[i]) * w5[i];
            a += relu6(p6[i]) * w6[i]; a += relu6(p7[i]) * w7[i]; a += relu6(p8[i]) * w8[i];
            out[i] = relu6(a);
        }
    } else {
        for (size_t i = 0; i < c; i++) {
            float a = bias[i];
            a += p0[i] * w0[i]; a += p1[i] * w1[i]; a += p2[i] * w2[i];
            a += p3[i] * w3[i]; a += p4[i] * w4[i]; a += p5[i] * w5[i];
            a += p6[i] * w6[i]; a += p7[i] * w7[i]; a += p8[i] * w8[i];
            out[i] = relu6(a);
        }
    }
}

ALWAYS_INLINE void vln_conv_depthwise3x3_body(const float *in, size_t height, size_t width, size_t channels, size_t stride,
                                              int clamp_input, const float *weight, const float *bias, const float *zeros,
                                              float *out) {
    const size_t oh = (height + stride - 1) / stride, ow = (width + stride - 1) / stride;
    for (size_t oy = 0; oy < oh; oy++) {
        const long iy0 = (long)(oy * stride) - 1;
        for (size_t ox = 0; ox < ow; ox++) {
            const long ix0 = (long)(ox * stride) - 1;
            const float *p[9];
            for (int ky = 0; ky < 3; ky++) {
                const long iy = iy0 + ky;
                for (int kx = 0; kx < 3; kx++) {
                    const long ix = ix0 + kx;
                    p[ky * 3 + kx] = (iy >= 0 && iy < (long)height && ix >= 0 && ix < (long)width)
                                         ? in + ((size_t)iy * width + (size_t)ix) * channels
                                         : zeros;
                }
            }
            dw_pixel(p, weight, channels, bias, clamp_input, out + (oy * ow + ox) * channels);
        }
    }
}
VLN_DISPATCH(vln_conv_depthwise3x3,
             (const float *in, size_t height, size_t width, size_t channels, size_t stride, int clamp_input, const float *weight,
              const float *bias, const float *zeros, float *out),
             (in, height, width, channels, stride, clamp_input, weight, bias, zeros, out))

ALWAYS_INLINE void vln_conv_im2col3x3s2_body(const float *in, size_t channels, size_t height, size_t width, float *col) {
    const size_t oh = (height + 1) / 2, ow = (width + 1) / 2, k = channels * 9;
    for (size_t oy = 0; oy < oh; oy++) {
        for (size_t c = 0; c < channels; c++) {
            const float *plane = in + c * height * width;
            for (int ky = 0; ky < 3; ky++) {
                const long iy = (long)(2 * oy) - 1 + ky;
                const int rowInside = iy >= 0 && iy < (long)height;
                const float *row = plane + (rowInside ? (size_t)iy * width : 0);
                for (size_t ox = 0; ox < ow; ox++) {
                    float *dst = col + (oy * ow + ox) * k + c * 9 + (size_t)ky * 3;
                    const long ix = (long)(2 * ox) - 1;
                    dst[0] = rowInside && ix >= 0 ? row[ix] : 0.0f;
                    dst[1] = rowInside ? row[ix + 1] : 0.0f;  // 2·ox < width always
                    dst[2] = rowInside && ix + 2 < (long)width ? row[ix + 2] : 0.0f;
                }
            }
        }
    }
}
VLN_DISPATCH(vln_conv_im2col3x3s2, (const float *in, size_t channels, size_t height, size_t width, float *col),
             (in, channels, height, width, col))

ALWAYS_INLINE void vln_conv_set_rows_body(float *y, size_t rows, size_t width, const float *bias, const float *residual) {
    for (size_t r = 0; r < rows; r++) {
        float *restrict row = y + r * width;
        const float *restrict b = bias;
        if (residual) {
            const float *restrict res = residual + r * width;
            for (size_t i = 0; i < width; i++) row[i] = b[i] + res[i];
        } else {
            for (size_t i = 0; i < width; i++) row[i] = b[i];  // rows are short: a loop beats a memcpy call
        }
    }
}
VLN_DISPATCH(vln_conv_set_rows, (float *y, size_t rows, size_t width, const float *bias, const float *residual),
             (y, rows, width, bias, residual))

ALWAYS_INLINE void vln_conv_relu6_body(float *x, size_t count) {
    for (size_t i = 0; i < count; i++) x[i] = relu6(x[i]);
}
VLN_DISPATCH(vln_conv_relu6, (float *x, size_t count), (x, count))

ALWAYS_INLINE void vln_conv_mean_rows_body(const float *x, size_t rows, size_t width, float *mean) {
    float *restrict m = mean;
    for (size_t i = 0; i < width; i++) m[i] = 0.0f;
    for (size_t r = 0; r < rows; r++) {
        const float *restrict row = x + r * width;
        for (size_t i = 0; i < width; i++) m[i] += row[i];
    }
    const float inv = rows ? 1.0f / (float)rows : 0.0f;
    for (size_t i = 0; i < width; i++) m[i] *= inv;
}
VLN_DISPATCH(vln_conv_mean_rows, (const float *x, size_t rows, size_t width, float *mean), (x, rows, width, mean))
