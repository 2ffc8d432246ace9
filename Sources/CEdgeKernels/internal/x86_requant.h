// Internal: ea_requant on 16 (AVX-512) and 8 (AVX2) lanes, bit-exact with the scalar
// spec for mult in [0, 2^31) (so SRDHM's saturating corner, mult = −2^31, cannot occur),
// right shifts in [0, 31] and (the _ls forms) left shifts in [0, 30], which wrap modulo
// 2^32 exactly like the spec's. Shared by the convolution and add kernels.
#ifndef EA_X86_REQUANT_H
#define EA_X86_REQUANT_H
#if defined(__x86_64__)
#include <immintrin.h>

#define EA_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define EA_AVX2 __attribute__((target("avx2")))

// SRDHM without the nudge's sign test: for ab ≥ 0, trunc((ab + 2^30)/2^31) is a floor; for
// ab < 0, t = ab + 1 − 2^30 < 0 and trunc(t/2^31) = ceil(t/2^31) = floor((t + 2^31 − 1)/2^31)
// = floor((ab + 2^30)/2^31). So SRDHM(a, b) = (a·b + 2^30) >> 31 (arithmetic) for every
// pair but the saturating corner a = b = −2^31, which mult ≥ 0 rules out. Only bits 31…62
// of the 64-bit sum are kept, so a logical shift gives the same 32-bit result.

// ea_requant on 16 lanes (mult in [0, 2^31)): even lanes from one vpmuldq, odd lanes
// from another, the rounding right shift on remainders (no intermediate can overflow).
EA_AVX512 static inline __m512i ea_requant16(__m512i acc, __m512i mult, __m512i rshift) {
    const __m512i half = _mm512_set1_epi64(1ll << 30);
    __m512i pe = _mm512_srli_epi64(_mm512_add_epi64(_mm512_mul_epi32(acc, mult), half), 31);
    __m512i po = _mm512_slli_epi64(_mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(acc, 32), _mm512_srli_epi64(mult, 32)), half), 1);
    __m512i hm = _mm512_mask_blend_epi32(0xAAAA, pe, po);
    const __m512i one = _mm512_set1_epi32(1);
    __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, rshift), one);
    __m512i rem = _mm512_and_si512(hm, mask);
    __m512i thr = _mm512_add_epi32(_mm512_srai_epi32(mask, 1), _mm512_srli_epi32(hm, 31));
    __m512i res = _mm512_srav_epi32(hm, rshift);
    return _mm512_mask_add_epi32(res, _mm512_cmpgt_epi32_mask(rem, thr), res, one);
}

// ea_requant with per-lane left shifts (TFLite shift > 0): vpsllvd wraps like the spec.
EA_AVX512 static inline __m512i ea_requant16_ls(__m512i acc, __m512i mult, __m512i lshift, __m512i rshift) {
    return ea_requant16(_mm512_sllv_epi32(acc, lshift), mult, rshift);
}

// The same value in one rounding, on 64-bit lanes. With P = x·mult (x after the left shift),
// SRDHM is floor((P + 2^30)/2^31), and the rounding right shift by r ≥ 1 of a value v is
// floor((v + 2^(r−1) − [v < 0])/2^r). Nested floors of integers collapse (floor((floor(A/a)
// + c)/b) = floor((A + c·a)/(a·b))), so the whole requantisation is
//     floor((P + 2^30 + 2^(30+r) − [v < 0]·2^31) / 2^(31+r)),
// and [v < 0] may be replaced by [P < 0]: they differ only for −2^30 ≤ P < 0, where v = 0
// and both forms give 0 (for r ≥ 1 the numerator then lies in [0, 2^(30+r))). For r = 0
// the constant is 2^30 alone. |P| < 2^62 and the constant is below 2^61 + 2^30, so
// nothing overflows. Per lane the plan stores the constants for P ≥ 0 and P < 0 and the
// shift 31 + r (ea_rq16_prepare), in blocks of 16 channels: 8 even lanes, then 8 odd.
typedef struct { __m512i m, mo, cpe, cne, cpo, cno, se, so; } ea_rq16;

EA_AVX512 static inline ea_rq16 ea_rq16_load(const int32_t *mult, const int64_t *rq, int op, int ob) {
    ea_rq16 q;
    q.m = _mm512_loadu_si512((const void *)(mult + ob));
    q.mo = _mm512_srli_epi64(q.m, 32);
    q.cpe = _mm512_loadu_si512((const void *)(rq + ob));
    q.cpo = _mm512_loadu_si512((const void *)(rq + ob + 8));
    q.cne = _mm512_loadu_si512((const void *)(rq + op + ob));
    q.cno = _mm512_loadu_si512((const void *)(rq + op + ob + 8));
    q.se = _mm512_loadu_si512((const void *)(rq + 2 * op + ob));
    q.so = _mm512_loadu_si512((const void *)(rq + 2 * op + ob + 8));
    return q;
}

// The output stage's choices, read once into locals: int8 stores may alias the plan, so
// reading them through it would reload them after every store.
typedef struct { int lshift, zp_folded, lo, hi; __m512i zp, lo_v, hi_v; } ea_out16;

EA_AVX512 static inline ea_out16 ea_out16_make(int lshift, int zp_folded, int32_t zp, int32_t lo, int32_t hi) {
    ea_out16 o;
    o.lshift = lshift; o.zp_folded = zp_folded; o.lo = lo > -128; o.hi = hi < 127;
    o.zp = _mm512_set1_epi32(zp); o.lo_v = _mm512_set1_epi32(lo); o.hi_v = _mm512_set1_epi32(hi);
    return o;
}

// ea_requant of 16 lanes (already left-shifted) through the one-rounding form above.
EA_AVX512 static inline __m512i ea_rq16_apply(const ea_rq16 *q, __m512i x) {
    __m512i pe = _mm512_mul_epi32(x, q->m);
    __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), q->mo);
    pe = _mm512_add_epi64(pe, _mm512_mask_blend_epi64(_mm512_movepi64_mask(pe), q->cpe, q->cne));
    po = _mm512_add_epi64(po, _mm512_mask_blend_epi64(_mm512_movepi64_mask(po), q->cpo, q->cno));
    pe = _mm512_srav_epi64(pe, q->se);
    po = _mm512_srav_epi64(po, q->so);
    return _mm512_mask_shuffle_epi32(pe, 0xAAAA, po, _MM_PERM_CDAB);
}

// Requantisation, zero point (unless folded) and the clamps the narrowing does not do.
EA_AVX512 static inline __m512i ea_out16_apply(const ea_out16 *o, const ea_rq16 *q, __m512i acc, __m512i lshift) {
    if (o->lshift) acc = _mm512_sllv_epi32(acc, lshift);
    __m512i v = ea_rq16_apply(q, acc);
    if (!o->zp_folded) v = _mm512_add_epi32(v, o->zp);
    if (o->lo) v = _mm512_max_epi32(v, o->lo_v);
    if (o->hi) v = _mm512_min_epi32(v, o->hi_v);
    return v;
}

// The same output, decided in binary32 where a bracket proves it (ea_fq_prepare in
// conv/plan.c, docs/integer-spec.md "Requantisation in binary32, verified"). With the zero
// point folded in, the exact value before the floor is t = acc·M + c (M = mult/2^(31+r),
// c = zp + 1/2 + [r ≥ 1]·2^−(r+1), the constant for P ≥ 0; for acc < 0 the true constant is
// 2^−r lower: ea_fq16_apply serves plans where that cannot change the clamped output, and
// ea_fq16_apply_signed the others). The plan stores per lane Mf = M rounded to binary32
// and c ∓ D rounded outwards, D ≥ |acc|·|Mf − M| (+ Mf·|acc|·2^−24 for the conversion when
// |acc| may reach 2^24) for every accumulator whose t lies near the clamp range (the others
// clamp alike anyway).
// lo = fma(acc, Mf, c − D) rounded down ≤ t ≤ hi = fma(acc, Mf, c + D) rounded up, so
// where floor(lo) = floor(hi) that is floor(t), the exact result. Lanes where the bracket
// straddles an integer (rare) are returned in *undecided; the caller redoes them exactly.
// 6 operations instead of 13.
// Plans whose clamp does not make the sign irrelevant (no ReLU: ea_fq_prepare returns 2)
// store the bracket around the acc < 0 constant too (cln, chn) and pick per lane by acc's
// sign (ea_fq16_apply_signed: 3 more operations).
typedef struct { __m512 m, cl, ch, cln, chn; } ea_fq16;

// fq holds [5][op]: Mf, c − D and c + D for acc ≥ 0, the same two for acc < 0.
EA_AVX512 static inline ea_fq16 ea_fq16_load(const float *fq, int op, int ob, const int SIGNED) {
    ea_fq16 f;
    f.m = _mm512_loadu_ps(fq + ob);
    f.cl = _mm512_loadu_ps(fq + op + ob);
    f.ch = _mm512_loadu_ps(fq + 2 * op + ob);
    f.cln = SIGNED ? _mm512_loadu_ps(fq + 3 * op + ob) : f.cl;
    f.chn = SIGNED ? _mm512_loadu_ps(fq + 4 * op + ob) : f.ch;
    return f;
}

EA_AVX512 static inline __m512i ea_fq16_apply(const ea_fq16 *f, __m512i acc, __mmask16 *undecided) {
    const __m512 x = _mm512_cvtepi32_ps(acc);
    const __m512 lo = _mm512_fmadd_round_ps(x, f->m, f->cl, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    const __m512 hi = _mm512_fmadd_round_ps(x, f->m, f->ch, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
    const __m512i il = _mm512_cvt_roundps_epi32(lo, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    const __m512i ih = _mm512_cvt_roundps_epi32(hi, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    *undecided = _mm512_cmpneq_epi32_mask(il, ih);
    return il;
}

EA_AVX512 static inline __m512i ea_fq16_apply_signed(const ea_fq16 *f, __m512i acc, __mmask16 *undecided) {
    const __mmask16 neg = _mm512_movepi32_mask(acc);
    const __m512 x = _mm512_cvtepi32_ps(acc);
    const __m512 lo = _mm512_fmadd_round_ps(x, f->m, _mm512_mask_blend_ps(neg, f->cl, f->cln), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    const __m512 hi = _mm512_fmadd_round_ps(x, f->m, _mm512_mask_blend_ps(neg, f->ch, f->chn), _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
    const __m512i il = _mm512_cvt_roundps_epi32(lo, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    const __m512i ih = _mm512_cvt_roundps_epi32(hi, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    *undecided = _mm512_cmpneq_epi32_mask(il, ih);
    return il;
}

// The stage a kernel instantiation uses: FAST = 1 the plain bracket, 2 the signed one.
EA_AVX512 static inline __attribute__((always_inline)) __m512i ea_fq16_stage(const ea_fq16 *f, __m512i acc, __mmask16 *undecided,
                                                                            const int FAST) {
    return FAST == 2 ? ea_fq16_apply_signed(f, acc, undecided) : ea_fq16_apply(f, acc, undecided);
}

// The clamps of an output stage whose zero point is already in the value.
EA_AVX512 static inline __m512i ea_out16_clamp(const ea_out16 *o, __m512i v) {
    if (o->lo) v = _mm512_max_epi32(v, o->lo_v);
    if (o->hi) v = _mm512_min_epi32(v, o->hi_v);
    return v;
}

// ea_requant on 8 lanes (mult in [0, 2^31)), the same identity as ea_requant16.
EA_AVX2 static inline __m256i ea_requant8(__m256i acc, __m256i mult, __m256i rshift) {
    const __m256i half = _mm256_set1_epi64x(1ll << 30);
    __m256i pe = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(acc, mult), half), 31);
    __m256i po = _mm256_slli_epi64(_mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(acc, 32), _mm256_srli_epi64(mult, 32)), half), 1);
    __m256i hm = _mm256_blend_epi32(pe, po, 0xAA);
    const __m256i one = _mm256_set1_epi32(1);
    __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, rshift), one);
    __m256i rem = _mm256_and_si256(hm, mask);
    __m256i thr = _mm256_add_epi32(_mm256_srai_epi32(mask, 1), _mm256_srli_epi32(hm, 31));
    __m256i res = _mm256_srav_epi32(hm, rshift);
    return _mm256_add_epi32(res, _mm256_and_si256(_mm256_cmpgt_epi32(rem, thr), one));
}

// The binary32 stage on 8 lanes: ea_fq16's bracket for CPUs without embedded rounding. Its
// FMAs round to nearest, which the plan's constants absorb (ea_fq_plan with
// EA_FQ_RN_MARGIN): lo = RN(acc·Mf + cl) ≤ t ≤ RN(acc·Mf + ch) = hi for every accumulator
// that matters, so where floor(lo) = floor(hi) that is the spec's value. Loaded per block of
// 8 lanes from the plan's [5][op] array; FAST = 2 picks the constants by acc's sign.
#define EA_AVX2FMA __attribute__((target("avx2,fma")))
typedef struct { __m256 m, cl, ch, cln, chn; } ea_fq8;

EA_AVX2FMA static inline ea_fq8 ea_fq8_load(const float *fq, int op, int ob, const int FAST) {
    ea_fq8 f;
    f.m = _mm256_loadu_ps(fq + ob);
    f.cl = _mm256_loadu_ps(fq + op + ob);
    f.ch = _mm256_loadu_ps(fq + 2 * op + ob);
    f.cln = FAST == 2 ? _mm256_loadu_ps(fq + 3 * op + ob) : f.cl;
    f.chn = FAST == 2 ? _mm256_loadu_ps(fq + 4 * op + ob) : f.ch;
    return f;
}

// floor(lo) clamped to [lo_c, hi_c] as int32 (the output, zero point included); lanes where
// floor(lo) ≠ floor(hi) set their bits in *und (then the caller redoes them exactly).
EA_AVX2FMA static inline __attribute__((always_inline)) __m256i ea_fq8_apply(const ea_fq8 *f, __m256i acc, __m256 lo_c, __m256 hi_c,
                                                                             __m256 *und, const int FAST) {
    const __m256 x = _mm256_cvtepi32_ps(acc);
    // blendv takes acc's sign bit: the constants for acc < 0.
    const __m256 cl = FAST == 2 ? _mm256_blendv_ps(f->cl, f->cln, _mm256_castsi256_ps(acc)) : f->cl;
    const __m256 ch = FAST == 2 ? _mm256_blendv_ps(f->ch, f->chn, _mm256_castsi256_ps(acc)) : f->ch;
    const __m256 lo = _mm256_floor_ps(_mm256_fmadd_ps(x, f->m, cl));
    const __m256 hi = _mm256_floor_ps(_mm256_fmadd_ps(x, f->m, ch));
    *und = _mm256_or_ps(*und, _mm256_cmp_ps(lo, hi, _CMP_NEQ_UQ));
    return _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(lo, lo_c), hi_c));
}

// ea_requant8 with per-lane left shifts.
EA_AVX2 static inline __m256i ea_requant8_ls(__m256i acc, __m256i mult, __m256i lshift, __m256i rshift) {
    return ea_requant8(_mm256_sllv_epi32(acc, lshift), mult, rshift);
}

#endif
#endif
