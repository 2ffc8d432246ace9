// x86-64 AVX2 residual add, 8 lanes, the tail on the reference; each element follows
// ea_qs8_add_ref exactly.
#if defined(__x86_64__)
#include "conv_plan.h"
#include "x86_requant.h"

EA_AVX2 void ea_add_avx2(const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out) {
    const __m256i am = _mm256_set1_epi32(p->a_mult), as = _mm256_set1_epi32(-p->a_shift);
    const __m256i bm = _mm256_set1_epi32(p->b_mult), bs = _mm256_set1_epi32(-p->b_shift);
    const __m256i om = _mm256_set1_epi32(p->out_mult), os = _mm256_set1_epi32(-p->out_shift);
    const __m256i az = _mm256_set1_epi32(p->a_zp), bz = _mm256_set1_epi32(p->b_zp), oz = _mm256_set1_epi32(p->out_zp);
    const __m256i lo = _mm256_set1_epi32(p->act_min), hi = _mm256_set1_epi32(p->act_max);
    const __m128i ls = _mm_cvtsi32_si128(p->left_shift);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i x = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(a + i)));
        __m256i y = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(b + i)));
        __m256i ra = ea_requant8(_mm256_sll_epi32(_mm256_sub_epi32(x, az), ls), am, as);
        __m256i rb = ea_requant8(_mm256_sll_epi32(_mm256_sub_epi32(y, bz), ls), bm, bs);
        __m256i v = _mm256_add_epi32(ea_requant8(_mm256_add_epi32(ra, rb), om, os), oz);
        v = _mm256_min_epi32(_mm256_max_epi32(v, lo), hi);
        int32_t tmp[8];
        _mm256_storeu_si256((__m256i *)tmp, v);
        for (int e = 0; e < 8; e++) out[i + e] = (int8_t)tmp[e];
    }
    if (i < n) ea_qs8_add_ref(p, n - i, a + i, b + i, out + i);
}
#endif
