// x86-64 AVX-512 residual add, 16 lanes (masked tail); each element follows ea_qs8_add_ref
// exactly (two input requantisations, a sum, an output requantisation). Where its
// parameters allow (every add of the shipped nets), the whole add runs in one binary32 bracket
// (add_bracket below); otherwise in the integer stages described next.
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

// The whole add in one bracket. Exactly (x86_requant.h's one-rounding form), an input
// stage is ra = floor(d·A + κ) with d = x − zp, A = mult·2^(left − 31 − r) and κ ∈ [κmin,
// κmax] (1/2 + 2^−(r+1) for P ≥ 0, 2^−r less for P < 0; 1/2 when r = 0), so ra lies in
// [d·A + κmin − 1, d·A + κmax]; the sum s = ra + rb in [L, U] likewise; and the output
// floor(s·Mo + κo) + zp is non-decreasing in s. So it is at least floor(L·Mo + κo,min) + zp
// and at most floor(U·Mo + κo,max) + zp: both affine in (xa, xb). In binary32,
//   lo = RD(xa·ma + RD(xb·mb + cl)),  hi = RU(xa·ma + RU(xb·mb + ch)),
// with ma, mb = A·Mo, B·Mo rounded and cl, ch the constant terms widened by 128·|ma − A·Mo|
// + 128·|mb − B·Mo| (|x| ≤ 128) and 2^−24 for the binary64 arithmetic here (at most eight
// roundings of values below 2^22, each ≤ 2^−31), then rounded
// outwards: lo ≤ the lower bound, hi ≥ the upper one. Where floor(lo) = floor(hi) that is
// the output, in 14 operations per 16 lanes instead of about 34; a vector where they differ
// (the bracket is about 2^−15 wide with the FMAs' own roundings: rare) is redone exactly,
// out of line.
typedef struct { float ma, mb, cl, ch; } add_k;

static double kappa_max(int r) { return 0.5 + (r ? ea_pow2(-(r + 1)) : 0); }
static double kappa_min(int r) { return kappa_max(r) - (r ? ea_pow2(-r) : 0); }
static double dabs(double v) { return v < 0 ? -v : v; }

static int add_bracket(const ea_add_params *p, add_k *k) {
    const int ra = -p->a_shift, rb = -p->b_shift, ro = -p->out_shift, ls = p->left_shift;
    const double A = (double)p->a_mult * ea_pow2(ls - 31 - ra), B = (double)p->b_mult * ea_pow2(ls - 31 - rb);
    const double Mo = (double)p->out_mult * ea_pow2(-31 - ro);
    const double am = A * Mo, bm = B * Mo;
    const float maf = (float)am, mbf = (float)bm;
    const double margin = 128 * (dabs((double)maf - am) + dabs((double)mbf - bm)) + ea_pow2(-24);
    const double base = -(double)p->a_zp * am - (double)p->b_zp * bm + p->out_zp;
    const double lo = base + (kappa_min(ra) + kappa_min(rb) - 2) * Mo + kappa_min(ro) - margin;
    const double hi = base + (kappa_max(ra) + kappa_max(rb)) * Mo + kappa_max(ro) + margin;
    // A wide bracket leaves many vectors undecided; large values would round in binary32.
    if (hi - lo > ea_pow2(-8) || 128 * (dabs(am) + dabs(bm)) + dabs(base) + 4 > ea_pow2(22)) return 0;
    k->ma = maf; k->mb = mbf; k->cl = ea_float_down(lo); k->ch = ea_float_up(hi);
    return 1;
}

int ea_add_bracket_ok(const ea_add_params *p) { add_k k; return add_bracket(p, &k); }

// The exact add of one vector's elements: the bracket's fallback (rare), out of line.
__attribute__((noinline, cold)) static void add_vector_exact(const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out) {
    ea_qs8_add_ref(p, n, a, b, out);
}

// The two ends of the bracket for 16 lanes (the kernel's arithmetic, shared with the test
// hook below).
EA_AVX512 static inline __attribute__((always_inline)) void bracket16(const add_k *k, __m512 x, __m512 y, __m512 *lo, __m512 *hi) {
    const __m512 ma = _mm512_set1_ps(k->ma), mb = _mm512_set1_ps(k->mb);
    *lo = _mm512_fmadd_round_ps(x, ma, _mm512_fmadd_round_ps(y, mb, _mm512_set1_ps(k->cl), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC),
                                _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    *hi = _mm512_fmadd_round_ps(x, ma, _mm512_fmadd_round_ps(y, mb, _mm512_set1_ps(k->ch), _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC),
                                _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
}

EA_AVX512 void ea_add_bracket_ends(const ea_add_params *p, const int8_t *a, const int8_t *b, float *lo, float *hi) {
    add_k k;
    if (!add_bracket(p, &k)) return;
    __m512 l, h;
    bracket16(&k, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)a))),
              _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)b))), &l, &h);
    _mm512_storeu_ps(lo, l);
    _mm512_storeu_ps(hi, h);
}

EA_AVX512 static void add_bracket_run(const ea_add_params *p, const add_k *k, size_t n, const int8_t *a, const int8_t *b, int8_t *out) {
    const __m512i lo_c = _mm512_set1_epi32(p->act_min), hi_c = _mm512_set1_epi32(p->act_max);
    for (size_t i = 0; i < n; i += 16) {
        const size_t left = n - i;
        const __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        const __m512 x = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, a + i)));
        const __m512 y = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, b + i)));
        __m512 lo, hi;
        bracket16(k, x, y, &lo, &hi);
        const __m512i il = _mm512_cvt_roundps_epi32(lo, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
        const __m512i ih = _mm512_cvt_roundps_epi32(hi, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
        if (__builtin_expect(_mm512_mask_cmpneq_epi32_mask(m, il, ih) != 0, 0)) {
            add_vector_exact(p, left >= 16 ? 16 : left, a + i, b + i, out + i);
            continue;
        }
        _mm512_mask_cvtsepi32_storeu_epi8(out + i, m, _mm512_min_epi32(_mm512_max_epi32(il, lo_c), hi_c));
    }
}

EA_AVX512 void ea_add_avx512(const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out) {
    add_k k;
    if (add_bracket(p, &k)) { add_bracket_run(p, &k, n, a, b, out); return; }
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
