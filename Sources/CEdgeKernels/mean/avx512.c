// x86-64 AVX-512 int8 MEAN over H and W: the per-channel sums of ea_qs8_mean_ref with 16
// channels per vector (sign-extended to int32, exact: |Σ| ≤ 2^29 as the reference notes),
// then the reference's own requantisation per channel, so the result is the same by
// construction of the sums.
#if defined(__x86_64__)
#include "conv_plan.h"
#include "x86_requant.h"
#include <stdlib.h>

EA_AVX512 void ea_mean_avx512(int h, int w, int c, int32_t in_zp, int32_t mult, int32_t shift, int32_t out_zp,
                              const int8_t *in, int8_t *out) {
    const int32_t n = h * w;
    int32_t sums[64];
    for (int c0 = 0; c0 < c; c0 += 64) {
        const int cb = c - c0 < 64 ? c - c0 : 64;
        __m512i s[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
        for (int i = 0; i < n; i++) {
            const int8_t *px = in + (size_t)i * c + c0;
            for (int v = 0; v * 16 < cb; v++) {
                const int left = cb - 16 * v;
                const __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
                s[v] = _mm512_add_epi32(s[v], _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, px + 16 * v)));
            }
        }
        for (int v = 0; v < 4; v++) _mm512_storeu_si512((void *)(sums + 16 * v), s[v]);
        for (int ch = 0; ch < cb; ch++) {
            int32_t r = ea_wrap_add(ea_requant(sums[ch] - in_zp * n, mult, shift), out_zp);
            out[c0 + ch] = ea_clamp8(r, -128, 127);
        }
    }
}
#endif
