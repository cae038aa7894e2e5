// Convolution kernels of the image encoders (MobileNetV2): 3×3 depthwise convolution, bias / residual / ReLU6
// passes and pooling, on channels-last (HWC) float buffers. In C so that clang vectorises them; each kernel is built
// for AVX-512, AVX2 + FMA and the baseline, chosen at run time from the CPU's features (no compiler flags on the
// package).
#ifndef VLN_CONV_H
#define VLN_CONV_H
#include <stddef.h>

/// 3×3 depthwise convolution, padding 1 (zeros), stride 1 or 2, + bias, then ReLU6 (min(max(x, 0), 6)).
/// in: height × width × channels; out: ceil(height / stride) × ceil(width / stride) × channels.
/// weight: 9 × channels, tap (ky, kx) of channel c at (ky·3 + kx)·channels + c; bias: channels.
/// clamp_input ≠ 0 applies ReLU6 to each input value as it is read (the expansion layer's activation, fused).
/// zeros: at least `channels` zeros (stands in for the padding).
void vln_conv_depthwise3x3(const float *in, size_t height, size_t width, size_t channels, size_t stride, int clamp_input,
                           const float *weight, const float *bias, const float *zeros, float *out);

/// im2col for a 3×3, stride-2, padding-1 convolution of a CHW input (channels × height × width): row
/// oy·W' + ox of the (H'·W') × (channels·9) output, H' = ceil(height / 2), W' = ceil(width / 2), holds at
/// c·9 + ky·3 + kx the input (c, 2·oy − 1 + ky, 2·ox − 1 + kx), or 0 outside the image.
void vln_conv_im2col3x3s2(const float *in, size_t channels, size_t height, size_t width, float *col);

/// y[r][i] = bias[i] + (residual ? residual[r][i] : 0) for `rows` rows of `width` values (the start value of a
/// product accumulated with beta = 1).
void vln_conv_set_rows(float *y, size_t rows, size_t width, const float *bias, const float *residual);

/// x[i] = min(max(x[i], 0), 6).
void vln_conv_relu6(float *x, size_t count);

/// mean[i] = the average over `rows` rows of x[r][i] (`width` values per row).
void vln_conv_mean_rows(const float *x, size_t rows, size_t width, float *mean);

#endif
