// Reference int8 MEAN over H and W with requantisation, as tflite-micro runs it
// (kernels/reduce_common.cc → reference_ops::QuantizedMeanOrSum in
// kernels/internal/reference/reduce.h). Input [H][W][C], output [C].
#include "edge_kernels.h"

void ea_qs8_mean_ref(int h, int w, int c, int32_t in_zp, int32_t mult, int32_t shift, int32_t out_zp,
                     const int8_t *in, int8_t *out) {
    const int32_t n = h * w;
    for (int ch = 0; ch < c; ch++) {
        // n ≤ 2^22 (the activation cap): |Σ x| ≤ 128·2^22 = 2^29 and |in_zp·n| ≤ 2^29, so
        // neither the sum nor the centred sum (|·| ≤ 255·2^22 < 2^31) can overflow.
        int32_t sum = 0;
        for (int i = 0; i < n; i++) sum += in[(size_t)i * c + ch];
        int32_t v = ea_wrap_add(ea_requant(sum - in_zp * n, mult, shift), out_zp);  // TFLite's int32 +=
        out[ch] = ea_clamp8(v, -128, 127);
    }
}
