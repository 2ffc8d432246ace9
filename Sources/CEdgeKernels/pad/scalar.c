// Reference spatial PAD of an HWC int8 image (TFLite PAD with the output zero point as the
// pad value, reference/pad.h). Input [H][W][C], output [H+top+bottom][W+left+right][C].
#include "edge_kernels.h"
#include <string.h>

void ea_qs8_pad_ref(int h, int w, int c, int top, int bottom, int left, int right, int8_t value,
                    const int8_t *in, int8_t *out) {
    const int ow = w + left + right, oh = h + top + bottom;
    const size_t orow = (size_t)ow * c, irow = (size_t)w * c;
    for (int y = 0; y < oh; y++) {
        int8_t *dst = out + (size_t)y * orow;
        int iy = y - top;
        if (iy < 0 || iy >= h) { memset(dst, value, orow); continue; }
        memset(dst, value, (size_t)left * c);
        memcpy(dst + (size_t)left * c, in + (size_t)iy * irow, irow);
        memset(dst + (size_t)left * c + irow, value, (size_t)right * c);
    }
}
