// libpng and libjpeg report fatal errors by longjmp (libjpeg's default even calls exit()). Each entry point here
// sets a jump target before touching the library, so every failure comes back as a return code and a message.
#include "vln_imageio.h"
#include <png.h>
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

static void set_err(char *err, size_t errlen, const char *msg) {
    if (err && errlen > 0) { snprintf(err, errlen, "%s", msg); }
}

// ---------------------------------------------------------------- PNG

typedef struct { jmp_buf jmp; char *err; size_t errlen; } png_ctx;

static void png_error_fn(png_structp png, png_const_charp msg) {
    png_ctx *ctx = (png_ctx *)png_get_error_ptr(png);
    set_err(ctx->err, ctx->errlen, msg);
    longjmp(ctx->jmp, 1);
}
static void png_warning_fn(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

int vln_png_read(const char *path, vln_image *out, char *err, size_t errlen) {
    memset(out, 0, sizeof(*out));
    FILE *fp = fopen(path, "rb");
    if (!fp) { set_err(err, errlen, strerror(errno)); return 1; }
    unsigned char sig[8];
    if (fread(sig, 1, 8, fp) != 8 || png_sig_cmp(sig, 0, 8) != 0) {
        fclose(fp); set_err(err, errlen, "not a PNG file (bad signature)"); return 1;
    }
    png_ctx ctx; ctx.err = err; ctx.errlen = errlen;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, png_error_fn, png_warning_fn);
    if (!png) { fclose(fp); set_err(err, errlen, "out of memory"); return 1; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_read_struct(&png, NULL, NULL); fclose(fp); set_err(err, errlen, "out of memory"); return 1; }
    unsigned char *volatile data = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(ctx.jmp)) {
        free(rows); free(data);
        png_destroy_read_struct(&png, &info, NULL);
        fclose(fp);
        memset(out, 0, sizeof(*out));
        return 1;
    }
    png_init_io(png, fp);
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int color = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16) png_set_swap(png);  // network order -> little endian (x86_64, arm64)
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    int outDepth = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (w == 0 || h == 0) { png_error(png, "zero-size image"); }
    data = (unsigned char *)malloc(rowbytes * h);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * h);
    if (!data || !rows) { png_error(png, "out of memory"); }
    for (png_uint_32 y = 0; y < h; y++) rows[y] = data + y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
    out->width = (int)w; out->height = (int)h; out->channels = channels; out->bit_depth = outDepth; out->data = data;
    return 0;
}

int vln_png_write(const char *path, const vln_image *img, char *err, size_t errlen) {
    int color;
    switch (img->channels) {
        case 1: color = PNG_COLOR_TYPE_GRAY; break;
        case 2: color = PNG_COLOR_TYPE_GRAY_ALPHA; break;
        case 3: color = PNG_COLOR_TYPE_RGB; break;
        case 4: color = PNG_COLOR_TYPE_RGB_ALPHA; break;
        default: set_err(err, errlen, "unsupported channel count"); return 1;
    }
    if (img->bit_depth != 8 && img->bit_depth != 16) { set_err(err, errlen, "unsupported bit depth"); return 1; }
    if (img->width <= 0 || img->height <= 0) { set_err(err, errlen, "zero-size image"); return 1; }
    FILE *fp = fopen(path, "wb");
    if (!fp) { set_err(err, errlen, strerror(errno)); return 1; }
    png_ctx ctx; ctx.err = err; ctx.errlen = errlen;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, png_error_fn, png_warning_fn);
    if (!png) { fclose(fp); set_err(err, errlen, "out of memory"); return 1; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_write_struct(&png, NULL); fclose(fp); set_err(err, errlen, "out of memory"); return 1; }
    png_bytep *volatile rows = NULL;
    if (setjmp(ctx.jmp)) {
        free(rows);
        png_destroy_write_struct(&png, &info);
        fclose(fp);
        return 1;
    }
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, img->bit_depth, color,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 6);
    png_write_info(png, info);
    if (img->bit_depth == 16) png_set_swap(png);
    size_t rowbytes = (size_t)img->width * (size_t)img->channels * (size_t)(img->bit_depth / 8);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)img->height);
    if (!rows) { png_error(png, "out of memory"); }
    for (int y = 0; y < img->height; y++) rows[y] = img->data + (size_t)y * rowbytes;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    png_destroy_write_struct(&png, &info);
    if (fclose(fp) != 0) { set_err(err, errlen, strerror(errno)); return 1; }
    return 0;
}

// ---------------------------------------------------------------- JPEG

typedef struct { struct jpeg_error_mgr pub; jmp_buf jmp; } jpeg_ctx;

static void jpeg_error_exit_fn(j_common_ptr cinfo) {
    jpeg_ctx *ctx = (jpeg_ctx *)cinfo->err;
    longjmp(ctx->jmp, 1);
}
static void jpeg_output_message_fn(j_common_ptr cinfo) { (void)cinfo; }

int vln_jpeg_read(const char *path, vln_image *out, char *err, size_t errlen) {
    memset(out, 0, sizeof(*out));
    FILE *fp = fopen(path, "rb");
    if (!fp) { set_err(err, errlen, strerror(errno)); return 1; }
    struct jpeg_decompress_struct cinfo;
    jpeg_ctx ctx;
    cinfo.err = jpeg_std_error(&ctx.pub);
    ctx.pub.error_exit = jpeg_error_exit_fn;
    ctx.pub.output_message = jpeg_output_message_fn;
    unsigned char *volatile data = NULL;
    if (setjmp(ctx.jmp)) {
        char msg[JMSG_LENGTH_MAX];
        (*cinfo.err->format_message)((j_common_ptr)&cinfo, msg);
        set_err(err, errlen, msg);
        jpeg_destroy_decompress(&cinfo);
        free(data);
        fclose(fp);
        memset(out, 0, sizeof(*out));
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, fp);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.jpeg_color_space != JCS_GRAYSCALE) cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    int w = (int)cinfo.output_width, h = (int)cinfo.output_height, c = cinfo.output_components;
    size_t stride = (size_t)w * (size_t)c;
    data = (unsigned char *)malloc(stride * (size_t)h);
    if (!data) { ERREXIT(&cinfo, JERR_OUT_OF_MEMORY); }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = data + (size_t)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    // A truncated file makes libjpeg-turbo emit a warning and pad with grey; treat it as an error.
    if (ctx.pub.num_warnings > 0) {
        char msg[JMSG_LENGTH_MAX];
        (*cinfo.err->format_message)((j_common_ptr)&cinfo, msg);
        set_err(err, errlen, msg);
        jpeg_destroy_decompress(&cinfo);
        free(data); fclose(fp);
        return 1;
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    fclose(fp);
    out->width = w; out->height = h; out->channels = c; out->bit_depth = 8; out->data = data;
    return 0;
}

void vln_image_free(vln_image *img) {
    if (img) { free(img->data); img->data = NULL; }
}
