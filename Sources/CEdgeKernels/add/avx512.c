// x86-64 AVX-512 residual add, 16 lanes (masked tail); each element follows ea_qs8_add_ref
// exactly (two input requantisations, a sum, an output requantisation).
#if defined(__x86_64__)
#include "conv_plan.h"
#include "x86_requant.h"

EA_AVX512 void ea_add_avx512(const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out) {
    const __m512i am = _mm512_set1_epi32(p->a_mult), as = _mm512_set1_epi32(-p->a_shift);
    const __m512i bm = _mm512_set1_epi32(p->b_mult), bs = _mm512_set1_epi32(-p->b_shift);
    const __m512i om = _mm512_set1_epi32(p->out_mult), os = _mm512_set1_epi32(-p->out_shift);
    const __m512i az = _mm512_set1_epi32(p->a_zp), bz = _mm512_set1_epi32(p->b_zp), oz = _mm512_set1_epi32(p->out_zp);
    const __m512i lo = _mm512_set1_epi32(p->act_min), hi = _mm512_set1_epi32(p->act_max);
    const __m128i ls = _mm_cvtsi32_si128(p->left_shift);
    size_t i = 0;
    for (; i < n; i += 16) {
        size_t left = n - i;
        __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        __m512i x = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, a + i));
        __m512i y = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, b + i));
        __m512i ra = ea_requant16(_mm512_sll_epi32(_mm512_sub_epi32(x, az), ls), am, as);
        __m512i rb = ea_requant16(_mm512_sll_epi32(_mm512_sub_epi32(y, bz), ls), bm, bs);
        __m512i v = _mm512_add_epi32(ea_requant16(_mm512_add_epi32(ra, rb), om, os), oz);
        v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
        _mm512_mask_cvtsepi32_storeu_epi8(out + i, m, v);
    }
}
#endif
