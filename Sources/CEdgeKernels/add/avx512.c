// x86-64 AVX-512 residual add, 16 lanes (masked tail); each element follows ea_qs8_add_ref
// exactly (two input requantisations, a sum, an output requantisation).
// The input stages take 32-bit arithmetic when the left shift is 8…22 (TFLite's int8 ADD
// always uses 20). With d = x − zp (|d| ≤ 255) and k = 31 − left_shift, SRDHM(d·2^left, m)
// = floor((d·m + 2^(k−1))/2^k), and splitting m = mh·2^k + ml gives exactly
// d·mh + floor((d·ml + 2^(k−1))/2^k): |d·mh| < 2^(8+left) ≤ 2^30 and d·ml < 2^(8+k) ≤ 2^31,
// so no 64-bit product is needed. Since m ≥ 2^30 the result has d's sign, so the rounding
// right shift by r ≥ 1 is (v + 2^(r−1) + (d >> 31)) >> r (|v| < 2^30: no overflow). The
// output stage is the one-rounding 64-bit form of x86_requant.h with uniform constants, or
// its binary32 form (ea_fq16) when the add's clamp and bounds let ea_fq_prepare take it.
#if defined(__x86_64__)
#include "conv_plan.h"
#include "x86_requant.h"

// One input's requantisation: d (16 lanes), mh, ml, k, rounding constant of the shift.
EA_AVX512 static inline __m512i input_stage(__m512i d, __m512i mh, __m512i ml, __m128i k, __m512i half_k, int r, __m512i nudge, __m128i rv) {
    __m512i v = _mm512_add_epi32(_mm512_mullo_epi32(d, mh), _mm512_sra_epi32(_mm512_add_epi32(_mm512_mullo_epi32(d, ml), half_k), k));
    if (r == 0) return v;
    return _mm512_sra_epi32(_mm512_add_epi32(_mm512_add_epi32(v, nudge), _mm512_srai_epi32(d, 31)), rv);
}

// The binary32 output stage (x86_requant.h ea_fq16) for this add, when ea_fq_prepare takes
// it: |ra + rb| is bounded by the input stages at the ends of x − zp (they are monotone).
static int add_fq(const ea_add_params *p, float fq[80]) {
    if (p->out_shift > 0) return 0;
    const int32_t da[2] = {-128 - p->a_zp, 127 - p->a_zp}, db[2] = {-128 - p->b_zp, 127 - p->b_zp};
    int64_t ma = 0, mb = 0;
    for (int e = 0; e < 2; e++) {
        int64_t va = ea_requant(da[e] * (1 << p->left_shift), p->a_mult, p->a_shift);
        int64_t vb = ea_requant(db[e] * (1 << p->left_shift), p->b_mult, p->b_shift);
        if ((va < 0 ? -va : va) > ma) ma = va < 0 ? -va : va;
        if ((vb < 0 ? -vb : vb) > mb) mb = vb < 0 ? -vb : vb;
    }
    const int32_t mult = p->out_mult, r = -p->out_shift;
    const int64_t bound = ma + mb;
    return ea_fq_prepare(fq, 16, 1, &mult, &r, &bound, p->out_zp, p->act_min, p->act_max);
}

EA_AVX512 static inline __attribute__((always_inline)) void add_split_body(const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b,
                                                                            const int FAST, const float *fq, int8_t *out) {
    const int k = 31 - p->left_shift, ra = -p->a_shift, rb = -p->b_shift, ro = -p->out_shift;
    const __m128i kv = _mm_cvtsi32_si128(k), rav = _mm_cvtsi32_si128(ra), rbv = _mm_cvtsi32_si128(rb);
    const __m512i half_k = _mm512_set1_epi32(1 << (k - 1)), lowk = _mm512_set1_epi32((1 << k) - 1);
    const __m512i amh = _mm512_set1_epi32(p->a_mult >> k), aml = _mm512_and_si512(_mm512_set1_epi32(p->a_mult), lowk);
    const __m512i bmh = _mm512_set1_epi32(p->b_mult >> k), bml = _mm512_and_si512(_mm512_set1_epi32(p->b_mult), lowk);
    const __m512i an = _mm512_set1_epi32(ra ? 1 << (ra - 1) : 0), bn = _mm512_set1_epi32(rb ? 1 << (rb - 1) : 0);
    const __m512i az = _mm512_set1_epi32(p->a_zp), bz = _mm512_set1_epi32(p->b_zp), oz = _mm512_set1_epi32(p->out_zp);
    const __m512i lo = _mm512_set1_epi32(p->act_min), hi = _mm512_set1_epi32(p->act_max);
    ea_rq16 q;
    const int64_t pos = (1ll << 30) + (ro ? (1ll << (30 + ro)) : 0);
    q.m = q.mo = _mm512_set1_epi64(p->out_mult);
    q.cpe = q.cpo = _mm512_set1_epi64(pos);
    q.cne = q.cno = _mm512_set1_epi64(pos - (ro ? (1ll << 31) : 0));
    q.se = q.so = _mm512_set1_epi64(31 + ro);
    ea_fq16 f;
    f.m = _mm512_set1_ps(FAST ? fq[0] : 0);
    f.cl = _mm512_set1_ps(FAST ? fq[16] : 0);
    f.ch = _mm512_set1_ps(FAST ? fq[32] : 0);
    f.cln = _mm512_set1_ps(FAST ? fq[48] : 0);
    f.chn = _mm512_set1_ps(FAST ? fq[64] : 0);
    for (size_t i = 0; i < n; i += 16) {
        size_t left = n - i;
        __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        __m512i x = _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, a + i)), az);
        __m512i y = _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, b + i)), bz);
        __m512i s = _mm512_add_epi32(input_stage(x, amh, aml, kv, half_k, ra, an, rav), input_stage(y, bmh, bml, kv, half_k, rb, bn, rbv));
        __m512i v;
        __mmask16 u = 0;
        if (FAST) v = ea_fq16_stage(&f, s, &u, FAST);
        // The exact stage, also for a vector the bracket left undecided (rare).
        if (!FAST || __builtin_expect(u != 0, 0)) v = _mm512_add_epi32(ea_rq16_apply(&q, s), oz);
        v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
        _mm512_mask_cvtsepi32_storeu_epi8(out + i, m, v);
    }
}

EA_AVX512 static void add_split(const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out) {
    float fq[80];
    const int f = add_fq(p, fq);
    if (f == 2) add_split_body(p, n, a, b, 2, fq, out);
    else if (f) add_split_body(p, n, a, b, 1, fq, out);
    else add_split_body(p, n, a, b, 0, fq, out);
}

EA_AVX512 void ea_add_avx512(const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out) {
    if (p->left_shift >= 8 && p->left_shift <= 22) { add_split(p, n, a, b, out); return; }
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
