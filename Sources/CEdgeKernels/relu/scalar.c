// Reference int8 ReLU: max(x, zero point), the real value max(r, 0).
#include "edge_kernels.h"

void ea_qs8_relu_ref(size_t n, int32_t zp, const int8_t *in, int8_t *out) {
    for (size_t i = 0; i < n; i++) out[i] = in[i] < zp ? (int8_t)zp : in[i];
}
