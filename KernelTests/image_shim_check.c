// The image shim under sanitizers: encode/decode round trips, every prefix of a PNG and a
// JPEG, and seeded random corruptions must return statuses, never crash or leak.
//   built and run by scripts/sanitize.sh
#include "cimageio.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t s = 12345;
static uint32_t rnd(void) { s = s * 6364136223846793005ull + 1442695040888963407ull; return (uint32_t)(s >> 33); }

static int decode_any(const uint8_t *d, size_t n) {
    eio_limits lim = {4096, 4096, 4 << 20, 100};
    eio_image img;
    char msg[EIO_MSG_LEN];
    int ok = 0;
    if (eio_png_decode(d, n, lim, &img, msg) == EIO_OK) { eio_free(img.pixels); ok = 1; }
    if (eio_jpeg_decode(d, n, lim, &img, msg) == EIO_OK) { eio_free(img.pixels); ok = 1; }
    return ok;
}

int main(void) {
    uint8_t px[48 * 40 * 3];
    for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 7 + i / 13);
    int failures = 0;
    for (int ch = 1; ch <= 3; ch += 2) {
        eio_buffer png, jpg;
        char msg[EIO_MSG_LEN];
        if (eio_png_encode(px, 48, 40, ch, &png, msg) != EIO_OK || eio_jpeg_encode(px, 48, 40, ch, 80, &jpg, msg) != EIO_OK) {
            fprintf(stderr, "encode failed: %s\n", msg);
            return 1;
        }
        eio_buffer files[2] = {png, jpg};
        for (int f = 0; f < 2; f++) {
            if (!decode_any(files[f].data, files[f].size)) { fprintf(stderr, "round trip failed\n"); failures++; }
            for (size_t n = 0; n < files[f].size; n++) {
                uint8_t *cut = malloc(n ? n : 1);   // exact-size copies so ASan sees any overread
                memcpy(cut, files[f].data, n);
                if (decode_any(cut, n)) { fprintf(stderr, "a %zu-byte prefix decoded\n", n); failures++; }
                free(cut);
            }
            for (int t = 0; t < 3000; t++) {
                uint8_t *m = malloc(files[f].size);
                memcpy(m, files[f].data, files[f].size);
                for (int k = 0; k < 1 + (int)(rnd() % 4); k++) m[rnd() % files[f].size] = (uint8_t)rnd();
                decode_any(m, files[f].size);
                free(m);
            }
        }
        eio_free(png.data);
        eio_free(jpg.data);
    }
    // Bad arguments are statuses too.
    eio_buffer b;
    char msg[EIO_MSG_LEN];
    if (eio_png_encode(px, 0, 4, 1, &b, msg) == EIO_OK || eio_jpeg_encode(px, 4, 4, 2, 50, &b, msg) == EIO_OK) { failures++; }
    printf("image shim: round trips, every prefix and 12000 random corruptions: %s\n", failures ? "FAILED" : "ok");
    return failures != 0;
}
