// vln_imageio — libpng and libjpeg-turbo behind setjmp, so that a corrupt file is an error code, not a longjmp
// through Swift frames or a call to exit(). All functions return 0 on success and non-zero on failure, with a
// NUL-terminated message in `err` (at most `errlen` bytes, including the NUL).
#ifndef VLN_IMAGEIO_H
#define VLN_IMAGEIO_H
#include <stddef.h>
#include <stdint.h>

/// A decoded image: `height` rows of `width` pixels of `channels` interleaved samples, row-major, no padding.
/// `bit_depth` is 8 (one byte a sample) or 16 (one host-endian uint16_t a sample). `data` is malloc'd.
typedef struct {
    int width;
    int height;
    int channels;   // 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
    int bit_depth;  // 8 or 16
    unsigned char *data;
} vln_image;

/// Reads a PNG. Palette images become RGB(A), gray below 8 bits becomes 8-bit, tRNS becomes alpha;
/// 16-bit samples are kept and returned in host byte order.
int vln_png_read(const char *path, vln_image *out, char *err, size_t errlen);

/// Writes `img` as a PNG (8-bit gray/gray+alpha/RGB/RGBA, or 16-bit gray/RGB). The file may be left
/// partially written on failure: callers write to a temporary path and rename.
int vln_png_write(const char *path, const vln_image *img, char *err, size_t errlen);

/// Reads a baseline or progressive JPEG as 8-bit RGB (3 channels) or gray (1 channel).
int vln_jpeg_read(const char *path, vln_image *out, char *err, size_t errlen);

/// Frees `img->data` and sets it to NULL.
void vln_image_free(vln_image *img);

#endif
