// x86-64 AVX-512 VBMI table input for one channel (grayscale, the common first layer): 64
// pixels per step, two vpermt2b over the table's halves (index bits 0–6) and a blend on bit 7.
#if defined(__x86_64__)
#include "conv_plan.h"
#include <immintrin.h>

__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void ea_u8_table1_avx512(size_t n, const int8_t *table, const uint8_t *px, int8_t *out) {
    const __m512i t0 = _mm512_loadu_si512((const void *)table), t1 = _mm512_loadu_si512((const void *)(table + 64));
    const __m512i t2 = _mm512_loadu_si512((const void *)(table + 128)), t3 = _mm512_loadu_si512((const void *)(table + 192));
    for (size_t i = 0; i < n; i += 64) {
        const size_t left = n - i;
        const __mmask64 m = left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1);
        const __m512i x = _mm512_maskz_loadu_epi8(m, px + i);
        const __m512i lo = _mm512_permutex2var_epi8(t0, x, t1), hi = _mm512_permutex2var_epi8(t2, x, t3);
        _mm512_mask_storeu_epi8(out + i, m, _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), lo, hi));
    }
}
#endif
