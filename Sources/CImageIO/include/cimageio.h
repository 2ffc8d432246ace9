// CImageIO: a small C shim over libpng, libjpeg and zlib. Both image libraries report errors
// by longjmp (and libjpeg's default handler calls exit()), and Swift cannot call setjmp,
// so every setjmp and every library call lives here; each function returns a status and a
// message, and no jump ever crosses a Swift frame. This module promises no Swift API.
#ifndef CIMAGEIO_H
#define CIMAGEIO_H
#include <stddef.h>
#include <stdint.h>

#define EIO_OK 0
#define EIO_ERR_FORMAT 1    // corrupt, truncated or unsupported data
#define EIO_ERR_LIMIT 2     // larger than the caller's limits
#define EIO_ERR_NOMEM 3
#define EIO_ERR_IO 4

#define EIO_MSG_LEN 256

typedef struct {
    int width;
    int height;
    int channels;        // 1 (gray) or 3 (RGB), 8 bits each
    uint8_t *pixels;     // width*height*channels bytes, row-major, interleaved; free with eio_free
} eio_image;

typedef struct {
    uint8_t *data;       // free with eio_free
    size_t size;
} eio_buffer;

// Limits checked from the header, before any pixel buffer is allocated.
typedef struct {
    int max_width;
    int max_height;
    long max_pixels;
    int max_jpeg_scans;  // progressive JPEGs with more scans are rejected
} eio_limits;

int eio_png_decode(const uint8_t *data, size_t size, eio_limits limits, eio_image *out, char *msg);
int eio_png_encode(const uint8_t *pixels, int width, int height, int channels, eio_buffer *out, char *msg);
int eio_jpeg_decode(const uint8_t *data, size_t size, eio_limits limits, eio_image *out, char *msg);
int eio_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality, eio_buffer *out, char *msg);
// Reads a whole gzip (or plain) file, refusing more than max_size decompressed bytes.
int eio_gz_read(const char *path, size_t max_size, eio_buffer *out, char *msg);
void eio_free(void *p);

#endif
