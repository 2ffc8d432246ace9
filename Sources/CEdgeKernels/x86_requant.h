// Internal: ea_requant on 16 (AVX-512) and 8 (AVX2) lanes, bit-exact with the scalar
// spec for mult in [0, 2^31) (so SRDHM's saturating corner, mult = −2^31, cannot occur),
// right shifts in [0, 31] and (the _ls forms) left shifts in [0, 30], which wrap modulo
// 2^32 exactly like the spec's. Shared by the convolution and add kernels.
#ifndef EA_X86_REQUANT_H
#define EA_X86_REQUANT_H
#if defined(__x86_64__)
#include <immintrin.h>

#define EA_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define EA_AVX2 __attribute__((target("avx2")))

// trunc((p + nudge) / 2^31) on 64-bit lanes: SRDHM's rounding (ties toward +infinity).
EA_AVX512 static inline __m512i ea_srdhm_tail64_16(__m512i prod) {
    const __m512i zero = _mm512_setzero_si512();
    __mmask8 neg = _mm512_cmplt_epi64_mask(prod, zero);
    __m512i t = _mm512_add_epi64(prod, _mm512_mask_blend_epi64(neg, _mm512_set1_epi64(1ll << 30), _mm512_set1_epi64(1 - (1ll << 30))));
    // C's division truncates toward zero: add 2^31 − 1 to negative values before the shift.
    __mmask8 tneg = _mm512_cmplt_epi64_mask(t, zero);
    t = _mm512_mask_add_epi64(t, tneg, t, _mm512_set1_epi64((1ll << 31) - 1));
    return _mm512_srai_epi64(t, 31);
}

// ea_requant on 16 lanes (mult ≥ 2^30, so SRDHM's saturating corner cannot occur).
EA_AVX512 static inline __m512i ea_requant16(__m512i acc, __m512i mult, __m512i rshift) {
    __m512i pe = ea_srdhm_tail64_16(_mm512_mul_epi32(acc, mult));
    __m512i po = ea_srdhm_tail64_16(_mm512_mul_epi32(_mm512_srli_epi64(acc, 32), _mm512_srli_epi64(mult, 32)));
    __m512i hm = _mm512_mask_blend_epi32(0xAAAA, pe, _mm512_slli_epi64(po, 32));
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

// trunc((p + nudge) / 2^31) on 64-bit lanes, on magnitudes (AVX2 has no 64-bit arithmetic shift).
EA_AVX2 static inline __m256i ea_srdhm_tail64_8(__m256i prod) {
    const __m256i zero = _mm256_setzero_si256();
    __m256i neg = _mm256_cmpgt_epi64(zero, prod);
    __m256i t = _mm256_add_epi64(prod, _mm256_blendv_epi8(_mm256_set1_epi64x(1ll << 30), _mm256_set1_epi64x(1 - (1ll << 30)), neg));
    __m256i s = _mm256_cmpgt_epi64(zero, t);
    __m256i mag = _mm256_sub_epi64(_mm256_xor_si256(t, s), s);
    __m256i q = _mm256_srli_epi64(mag, 31);
    return _mm256_sub_epi64(_mm256_xor_si256(q, s), s);
}

// ea_requant on 8 lanes (mult ≥ 2^30).
EA_AVX2 static inline __m256i ea_requant8(__m256i acc, __m256i mult, __m256i rshift) {
    __m256i pe = ea_srdhm_tail64_8(_mm256_mul_epi32(acc, mult));
    __m256i po = ea_srdhm_tail64_8(_mm256_mul_epi32(_mm256_srli_epi64(acc, 32), _mm256_srli_epi64(mult, 32)));
    __m256i hm = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
    const __m256i one = _mm256_set1_epi32(1);
    __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, rshift), one);
    __m256i rem = _mm256_and_si256(hm, mask);
    __m256i thr = _mm256_add_epi32(_mm256_srai_epi32(mask, 1), _mm256_srli_epi32(hm, 31));
    __m256i res = _mm256_srav_epi32(hm, rshift);
    return _mm256_add_epi32(res, _mm256_and_si256(_mm256_cmpgt_epi32(rem, thr), one));
}

// ea_requant8 with per-lane left shifts.
EA_AVX2 static inline __m256i ea_requant8_ls(__m256i acc, __m256i mult, __m256i lshift, __m256i rshift) {
    return ea_requant8(_mm256_sllv_epi32(acc, lshift), mult, rshift);
}

#endif
#endif
