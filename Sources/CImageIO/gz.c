// Whole-file gzip reader for the idx datasets (zlib reads plain files transparently too).
#include "cimageio.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int eio_gz_read(const char *path, size_t max_size, eio_buffer *out, char *msg) {
    out->data = NULL;
    out->size = 0;
    msg[0] = 0;
    gzFile f = gzopen(path, "rb");
    if (!f) { snprintf(msg, EIO_MSG_LEN, "cannot open"); return EIO_ERR_IO; }
    size_t cap = 1 << 20, size = 0;
    uint8_t *buf = (uint8_t *)malloc(cap);
    if (!buf) { gzclose(f); return EIO_ERR_NOMEM; }
    for (;;) {
        if (size == cap) {
            if (cap >= max_size) {
                snprintf(msg, EIO_MSG_LEN, "decompressed size exceeds the limit of %zu bytes", max_size);
                free(buf); gzclose(f); return EIO_ERR_LIMIT;
            }
            cap *= 2;
            if (cap > max_size) cap = max_size;
            uint8_t *p = (uint8_t *)realloc(buf, cap);
            if (!p) { free(buf); gzclose(f); return EIO_ERR_NOMEM; }
            buf = p;
        }
        size_t want = cap - size;
        if (want > (1u << 30)) want = 1u << 30;
        int n = gzread(f, buf + size, (unsigned)want);
        if (n < 0) {
            int code = 0;
            const char *e = gzerror(f, &code);
            snprintf(msg, EIO_MSG_LEN, "gzip: %s", e ? e : "read error");
            free(buf); gzclose(f); return EIO_ERR_FORMAT;
        }
        if (n == 0) break;
        size += (size_t)n;
    }
    int code = 0;
    const char *e = gzerror(f, &code);
    if (code != Z_OK) {
        snprintf(msg, EIO_MSG_LEN, "gzip: %s", e ? e : "corrupt stream");
        free(buf); gzclose(f); return EIO_ERR_FORMAT;
    }
    gzclose(f);
    out->data = buf;
    out->size = size;
    return EIO_OK;
}
