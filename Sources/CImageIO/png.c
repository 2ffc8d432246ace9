// PNG decode/encode through libpng's longjmp error model, contained in this file.
#include "cimageio.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t pos;
} png_src;

typedef struct {
    char *msg;
} png_err_ctx;

static void on_error(png_structp png, png_const_charp text) {
    png_err_ctx *ctx = (png_err_ctx *)png_get_error_ptr(png);
    if (ctx && ctx->msg) snprintf(ctx->msg, EIO_MSG_LEN, "png: %s", text);
    png_longjmp(png, 1);
}

// Warnings are treated as errors: a file that makes libpng warn is not trusted.
static void on_warning(png_structp png, png_const_charp text) {
    on_error(png, text);
}

static void read_mem(png_structp png, png_bytep out, png_size_t n) {
    png_src *src = (png_src *)png_get_io_ptr(png);
    if (n > src->size - src->pos) png_error(png, "unexpected end of file (truncated)");
    memcpy(out, src->data + src->pos, n);
    src->pos += n;
}

int eio_png_decode(const uint8_t *data, size_t size, eio_limits limits, eio_image *out, char *msg) {
    memset(out, 0, sizeof(*out));
    msg[0] = 0;
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(msg, EIO_MSG_LEN, "png: not a PNG file (bad signature)");
        return EIO_ERR_FORMAT;
    }
    png_err_ctx ctx = {msg};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (!png) { snprintf(msg, EIO_MSG_LEN, "png: out of memory"); return EIO_ERR_NOMEM; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_read_struct(&png, NULL, NULL); return EIO_ERR_NOMEM; }
    // Volatile: modified between setjmp and a possible longjmp.
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    volatile int status = EIO_ERR_FORMAT;
    png_src src = {data, size, 0};
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        if (!msg[0]) snprintf(msg, EIO_MSG_LEN, "png: decode failed");
        return status;
    }
    png_set_read_fn(png, &src, read_mem);
    png_set_user_limits(png, (png_uint_32)limits.max_width, (png_uint_32)limits.max_height);
    png_set_chunk_malloc_max(png, 8u << 20);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if ((long)w * (long)h > limits.max_pixels) {
        snprintf(msg, EIO_MSG_LEN, "png: %ux%u pixels exceeds the limit of %ld", w, h, limits.max_pixels);
        status = EIO_ERR_LIMIT;
        png_longjmp(png, 1);
    }
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16) png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int ch = png_get_channels(png, info);
    if (ch != 1 && ch != 3) {
        snprintf(msg, EIO_MSG_LEN, "png: unsupported channel count %d", ch);
        png_longjmp(png, 1);
    }
    size_t rowbytes = png_get_rowbytes(png, info);
    if (rowbytes != (size_t)w * (size_t)ch) {
        snprintf(msg, EIO_MSG_LEN, "png: unexpected row size");
        png_longjmp(png, 1);
    }
    pixels = (uint8_t *)malloc((size_t)w * h * ch);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * h);
    if (!pixels || !rows) { status = EIO_ERR_NOMEM; snprintf(msg, EIO_MSG_LEN, "png: out of memory"); png_longjmp(png, 1); }
    for (png_uint_32 y = 0; y < h; y++) rows[y] = pixels + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->width = (int)w;
    out->height = (int)h;
    out->channels = ch;
    out->pixels = pixels;
    return EIO_OK;
}

typedef struct {
    uint8_t *data;
    size_t size, cap;
    int failed;
} png_dst;

static void write_mem(png_structp png, png_bytep in, png_size_t n) {
    png_dst *d = (png_dst *)png_get_io_ptr(png);
    if (d->size + n > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 4096;
        while (cap < d->size + n) cap *= 2;
        uint8_t *p = (uint8_t *)realloc(d->data, cap);
        if (!p) { d->failed = 1; png_error(png, "out of memory"); }
        d->data = p;
        d->cap = cap;
    }
    memcpy(d->data + d->size, in, n);
    d->size += n;
}

static void flush_mem(png_structp png) { (void)png; }

int eio_png_encode(const uint8_t *pixels, int width, int height, int channels, eio_buffer *out, char *msg) {
    out->data = NULL;
    out->size = 0;
    msg[0] = 0;
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3)) {
        snprintf(msg, EIO_MSG_LEN, "png: bad image geometry %dx%dx%d", width, height, channels);
        return EIO_ERR_FORMAT;
    }
    png_err_ctx ctx = {msg};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (!png) return EIO_ERR_NOMEM;
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_write_struct(&png, NULL); return EIO_ERR_NOMEM; }
    png_dst dst = {NULL, 0, 0, 0};
    if (setjmp(png_jmpbuf(png))) {
        free(dst.data);
        png_destroy_write_struct(&png, &info);
        return EIO_ERR_FORMAT;
    }
    png_set_write_fn(png, &dst, write_mem, flush_mem);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(pixels + (size_t)y * width * channels));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    out->data = dst.data;
    out->size = dst.size;
    return EIO_OK;
}

void eio_free(void *p) { free(p); }
