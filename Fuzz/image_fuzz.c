// libFuzzer target for the image decoders (the C shim over libpng and libjpeg): any input
// must give a status and a message, never a crash, a leak or an out-of-bounds access.
//   clang -g -O1 -fsanitize=fuzzer,address,undefined -ISources/CImageIO/include \
//     Fuzz/image_fuzz.c Sources/CImageIO/*.c -lpng -ljpeg -lz
#include "cimageio.h"
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    eio_limits limits = {4096, 4096, 4 << 20, 100};
    eio_image img;
    char msg[EIO_MSG_LEN];
    if (eio_png_decode(data, size, limits, &img, msg) == EIO_OK) eio_free(img.pixels);
    if (eio_jpeg_decode(data, size, limits, &img, msg) == EIO_OK) eio_free(img.pixels);
    return 0;
}
