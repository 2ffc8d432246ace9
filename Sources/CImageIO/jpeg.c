// JPEG decode/encode through libjpeg. libjpeg's default error_exit calls exit(); here it
// longjmps back into this file, and warnings are treated as errors.
#include "cimageio.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *msg;
    int status;
} jerr_mgr;

static void on_error_exit(j_common_ptr cinfo) {
    jerr_mgr *e = (jerr_mgr *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    if (!e->msg[0]) snprintf(e->msg, EIO_MSG_LEN, "jpeg: %s", text);
    longjmp(e->jump, 1);
}

static void on_emit(j_common_ptr cinfo, int level) {
    // level -1 is a warning (e.g. premature end of data, corrupt data): fatal here.
    if (level < 0) on_error_exit(cinfo);
}

typedef struct {
    struct jpeg_progress_mgr base;
    int max_scans;
    jerr_mgr *err;
} scan_guard;

static void on_progress(j_common_ptr cinfo) {
    scan_guard *g = (scan_guard *)cinfo->progress;
    if (cinfo->is_decompressor) {
        j_decompress_ptr d = (j_decompress_ptr)cinfo;
        if (d->input_scan_number > g->max_scans) {
            snprintf(g->err->msg, EIO_MSG_LEN, "jpeg: more than %d scans (hostile progressive file)", g->max_scans);
            g->err->status = EIO_ERR_LIMIT;
            longjmp(g->err->jump, 1);
        }
    }
}

int eio_jpeg_decode(const uint8_t *data, size_t size, eio_limits limits, eio_image *out, char *msg) {
    memset(out, 0, sizeof(*out));
    msg[0] = 0;
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8) {
        snprintf(msg, EIO_MSG_LEN, "jpeg: not a JPEG file (no SOI marker)");
        return EIO_ERR_FORMAT;
    }
    struct jpeg_decompress_struct cinfo;
    jerr_mgr err;
    scan_guard guard;
    uint8_t *volatile pixels = NULL;
    memset(&cinfo, 0, sizeof(cinfo));
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = on_error_exit;
    err.base.emit_message = on_emit;
    err.msg = msg;
    err.status = EIO_ERR_FORMAT;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return err.status;
    }
    jpeg_create_decompress(&cinfo);
    memset(&guard, 0, sizeof(guard));
    guard.base.progress_monitor = on_progress;
    guard.max_scans = limits.max_jpeg_scans;
    guard.err = &err;
    cinfo.progress = &guard.base;
    jpeg_mem_src(&cinfo, (unsigned char *)data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if ((int)cinfo.image_width > limits.max_width || (int)cinfo.image_height > limits.max_height ||
        (long)cinfo.image_width * (long)cinfo.image_height > limits.max_pixels) {
        snprintf(msg, EIO_MSG_LEN, "jpeg: %ux%u pixels exceeds the limits", cinfo.image_width, cinfo.image_height);
        err.status = EIO_ERR_LIMIT;
        longjmp(err.jump, 1);
    }
    if (cinfo.num_components == 1) {
        cinfo.out_color_space = JCS_GRAYSCALE;
    } else if (cinfo.num_components == 3) {
        cinfo.out_color_space = JCS_RGB;
    } else {
        snprintf(msg, EIO_MSG_LEN, "jpeg: unsupported colour space with %d components", cinfo.num_components);
        longjmp(err.jump, 1);
    }
    jpeg_start_decompress(&cinfo);
    int w = (int)cinfo.output_width, h = (int)cinfo.output_height, ch = cinfo.output_components;
    pixels = (uint8_t *)malloc((size_t)w * h * ch);
    if (!pixels) { err.status = EIO_ERR_NOMEM; snprintf(msg, EIO_MSG_LEN, "jpeg: out of memory"); longjmp(err.jump, 1); }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * w * ch;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    out->width = w;
    out->height = h;
    out->channels = ch;
    out->pixels = pixels;
    return EIO_OK;
}

int eio_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality, eio_buffer *out, char *msg) {
    out->data = NULL;
    out->size = 0;
    msg[0] = 0;
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3) || quality < 1 || quality > 100) {
        snprintf(msg, EIO_MSG_LEN, "jpeg: bad arguments %dx%dx%d quality %d", width, height, channels, quality);
        return EIO_ERR_FORMAT;
    }
    struct jpeg_compress_struct cinfo;
    jerr_mgr err;
    unsigned char *volatile buf = NULL;
    unsigned long len = 0;
    memset(&cinfo, 0, sizeof(cinfo));
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = on_error_exit;
    err.base.emit_message = on_emit;
    err.msg = msg;
    err.status = EIO_ERR_FORMAT;
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buf);
        return err.status;
    }
    jpeg_create_compress(&cinfo);
    unsigned char *b = NULL;
    jpeg_mem_dest(&cinfo, &b, &len);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * width * channels);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    buf = b;
    jpeg_destroy_compress(&cinfo);
    out->data = buf;
    out->size = len;
    return EIO_OK;
}
