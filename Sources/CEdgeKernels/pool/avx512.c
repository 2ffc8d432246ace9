// x86-64 AVX-512 VBMI max pool (square k×k windows, stride s, no padding) for windows of at
// most 64 bytes per row (k·c ≤ 64: LeNet's 6 and 16 channels, most thin layers): each
// group of P output pixels of a row reads one 64-byte run per kernel row, the vertical max
// is one vector max per row, and vpermb picks each horizontal tap's bytes (pixel i, channel
// ch of tap kx is byte (i·s + kx)·c + ch of the run), so no byte is handled alone. P is the
// largest count whose run fits 64 bytes. Wider windows return 0 (the caller uses AVX2).
#if defined(__x86_64__)
#include "conv_plan.h"
#include <immintrin.h>
#include <stdint.h>

#define VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))

VBMI int ea_maxpool_avx512(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out) {
    if (k * c > 64 || k > 8) return 0;
    int P = 1;
    while (((P) * stride + k) * c <= 64 && P < ow) P++;  // P + 1 pixels still fit: take them
    if (P * c > 64) P = 64 / c;
    __m512i idx[8];
    for (int kx = 0; kx < k; kx++) {
        uint8_t b[64] = {0};
        for (int i = 0; i < P; i++)
            for (int ch = 0; ch < c; ch++) b[i * c + ch] = (uint8_t)((i * stride + kx) * c + ch);
        idx[kx] = _mm512_loadu_si512((const void *)b);
    }
    const size_t rowBytes = (size_t)w * c;
    for (int oy = 0; oy < oh; oy++) {
        const int8_t *r0 = in + (size_t)(oy * stride) * rowBytes;
        int8_t *dst = out + (size_t)oy * ow * c;
        for (int ox = 0; ox < ow; ox += P) {
            const int n = ow - ox < P ? ow - ox : P;
            const size_t at = (size_t)(ox * stride) * c;
            const size_t need = (size_t)((n - 1) * stride + k) * c;  // bytes of the run that exist
            const __mmask64 lm = need >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << need) - 1);
            __m512i m = _mm512_maskz_loadu_epi8(lm, r0 + at);
            for (int ky = 1; ky < k; ky++) m = _mm512_max_epi8(m, _mm512_maskz_loadu_epi8(lm, r0 + (size_t)ky * rowBytes + at));
            __m512i v = _mm512_permutexvar_epi8(idx[0], m);
            for (int kx = 1; kx < k; kx++) v = _mm512_max_epi8(v, _mm512_permutexvar_epi8(idx[kx], m));
            const int bytes = n * c;
            _mm512_mask_storeu_epi8(dst + (size_t)ox * c, bytes >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << bytes) - 1), v);
        }
    }
    (void)h;
    return 1;
}
#endif
