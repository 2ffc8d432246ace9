// x86-64 AVX-512 VNNI depthwise convolution, depth multiplier 1, any kernel/stride per
// axis and any padding: 32 channels per block (16 for layers of ≤ 16 channels), taps in pairs by vpdpwssd (int16 pairs
// multiplied and added to int32 lanes in one instruction, non-saturating; lane order and
// the exactness argument in dwconv/x86-pack.c); requantisation in registers (16 lanes
// × 2), narrowing with vpmovswb and a masked store for the last block. The int16 image
// holds x itself padded with in_zp, the zero point folded into the bias (x86-pack.c): one
// sign extension per 32 values instead of an extension and a subtraction.
#if defined(__x86_64__)
#include "conv_plan.h"
#include "x86_requant.h"
#include <immintrin.h>
#include <string.h>

// `n` int16 values v from dst on (the padding of the image: in_zp, as the zero point is
// folded into the bias).
EA_AVX512 static inline void fill16(int16_t *dst, size_t n, __m512i v) {
    size_t i = 0;
    for (; i + 32 <= n; i += 32) _mm512_storeu_si512((void *)(dst + i), v);
    if (i < n) _mm512_mask_storeu_epi16(dst + i, (__mmask32)((1ull << (n - i)) - 1), v);
}

// Rows [r0, r1) of the int16 image: x itself, padded with in_zp (borders, spare channels,
// and 64 bytes after the last row for reads past a window's end). With the zero point in
// the bias (dw_zp_folded) the conversion is one sign extension per 32 values and the
// padding contributes (zp − zp)·w = 0.
EA_AVX512 static void dw_image16_512(const ea_conv_plan *p, const int8_t *in, int16_t *img, int r0, int r1) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, Cp = p->dw_cp;
    const size_t rowElems = (size_t)p->dw_wp * Cp;
    const __m512i pad = _mm512_set1_epi16((short)s->in_zp);
    if (r0 < 0) r0 = 0;
    if (r1 > p->dw_hp) r1 = p->dw_hp;
    if (r1 == p->dw_hp) fill16(img + (size_t)p->dw_hp * rowElems, 32, pad);
    for (int r = r0; r < r1; r++) {
        int16_t *row = img + (size_t)r * rowElems;
        const int y = r - s->pad_top;
        // Border rows, and every row when channels are padded; otherwise only the border
        // columns, since every interior pixel is rewritten.
        if (y < 0 || y >= s->in_h || C != Cp) fill16(row, rowElems, pad);
        if (y < 0 || y >= s->in_h) continue;
        if (C == Cp) {
            fill16(row, (size_t)s->pad_left * Cp, pad);
            const int right = p->dw_wp - s->pad_left - s->in_w;
            fill16(row + (size_t)(s->pad_left + s->in_w) * Cp, (size_t)right * Cp, pad);
            // Channels fill the stride: the image row is one contiguous run of in_w·C values.
            const int8_t *src = in + (size_t)y * s->in_w * C;
            int16_t *dst = row + (size_t)s->pad_left * Cp;
            const size_t n = (size_t)s->in_w * C;
            size_t i = 0;
            for (; i + 32 <= n; i += 32) _mm512_storeu_si512((void *)(dst + i), _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(src + i))));
            if (i < n) {  // n is a multiple of 16: at most one half-step
                __mmask32 m = (__mmask32)((1ull << (n - i)) - 1);
                _mm512_mask_storeu_epi16(dst + i, m, _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, src + i)));
            }
            continue;
        }
        for (int x = 0; x < s->in_w; x++) {
            const int8_t *src = in + ((size_t)y * s->in_w + x) * C;
            int16_t *dst = row + (size_t)(x + s->pad_left) * Cp;
            int c = 0;
            for (; c + 32 <= C; c += 32) _mm512_storeu_si512((void *)(dst + c), _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(src + c))));
            // Masked loads/stores only for the last few channels: they are slow on some cores.
            if (c < C) {
                __mmask32 m = (__mmask32)((1ull << (C - c)) - 1);
                _mm512_mask_storeu_epi16(dst + c, m, _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, src + c)));
            }
        }
    }
}

// Requantises the low/high accumulators of one 32-channel block, offsets, clamps, narrows
// (packs_epi32 undoes the unpack order; values are already in [-128, 127]) and stores.
EA_AVX512 static inline __attribute__((always_inline)) void store32(__m512i alo, __m512i ahi, __m512i m_lo, __m512i m_hi, __m512i l_lo,
                                                                     __m512i l_hi, __m512i r_lo, __m512i r_hi, __m512i zp, __m512i lo_c,
                                                                     __m512i hi_c, int left, __mmask32 store, int8_t *dst) {
    __m512i vlo = _mm512_add_epi32(ea_requant16_ls(alo, m_lo, l_lo, r_lo), zp);
    __m512i vhi = _mm512_add_epi32(ea_requant16_ls(ahi, m_hi, l_hi, r_hi), zp);
    vlo = _mm512_min_epi32(_mm512_max_epi32(vlo, lo_c), hi_c);
    vhi = _mm512_min_epi32(_mm512_max_epi32(vhi, lo_c), hi_c);
    __m256i v8 = _mm512_cvtsepi16_epi8(_mm512_packs_epi32(vlo, vhi));
    if (left >= 32) _mm256_storeu_si256((__m256i *)dst, v8);
    else _mm256_mask_storeu_epi8(dst, store, v8);
}

// Likewise for a 16-channel block (256-bit).
EA_AVX512 static inline __attribute__((always_inline)) void store16(__m256i alo, __m256i ahi, __m256i m_lo, __m256i m_hi, __m256i l_lo,
                                                                     __m256i l_hi, __m256i r_lo, __m256i r_hi, __m256i zp, __m256i lo_c,
                                                                     __m256i hi_c, int C, __mmask16 store, int8_t *dst) {
    __m256i vlo = _mm256_add_epi32(ea_requant8_ls(alo, m_lo, l_lo, r_lo), zp);
    __m256i vhi = _mm256_add_epi32(ea_requant8_ls(ahi, m_hi, l_hi, r_hi), zp);
    vlo = _mm256_min_epi32(_mm256_max_epi32(vlo, lo_c), hi_c);
    vhi = _mm256_min_epi32(_mm256_max_epi32(vhi, lo_c), hi_c);
    __m128i v8 = _mm256_cvtsepi16_epi8(_mm256_packs_epi32(vlo, vhi));
    if (C >= 16) _mm_storeu_si128((__m128i *)dst, v8);
    else _mm_mask_storeu_epi8(dst, store, v8);
}

// One block of 32 channels over every output pixel. TP (tap pairs) is a compile-time
// constant at the 3×3 call site, so the ten weight vectors stay in registers.
EA_AVX512 static inline __attribute__((always_inline)) void dw_block32(const ea_conv_plan *p, const int16_t *img, int8_t *out,
                                                                        int b, const int TP, int oy0, int oy1) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, Cp = p->dw_cp, BW = 32, lane = b * BW;
    // Locals, not p->…: the int8 stores below may alias anything reached through a pointer,
    // which would make the compiler reload these in the inner loop.
    int32_t tap[2 * 8];
    for (int t = 0; t < 2 * TP && t < 16; t++) tap[t] = p->dw_tap[t];
    const int32_t *taps = TP <= 8 ? tap : p->dw_tap;
    const int OW = s->out_w, SH = s->stride_h, SW = s->stride_w, WP = p->dw_wp;
    const __m512i zp = _mm512_set1_epi32(s->out_zp), lo_c = _mm512_set1_epi32(s->act_min), hi_c = _mm512_set1_epi32(s->act_max);
    const __m512i bias_lo = _mm512_loadu_si512((const void *)(p->bias_eff + lane));
    const __m512i bias_hi = _mm512_loadu_si512((const void *)(p->bias_eff + lane + 16));
    const __m512i m_lo = _mm512_loadu_si512((const void *)(p->mult_p + lane)), m_hi = _mm512_loadu_si512((const void *)(p->mult_p + lane + 16));
    const __m512i l_lo = _mm512_loadu_si512((const void *)(p->lshift_p + lane)), l_hi = _mm512_loadu_si512((const void *)(p->lshift_p + lane + 16));
    const __m512i r_lo = _mm512_loadu_si512((const void *)(p->rshift_p + lane)), r_hi = _mm512_loadu_si512((const void *)(p->rshift_p + lane + 16));
    const int left = C - lane;
    const __mmask32 store = left >= 32 ? (__mmask32)0xFFFFFFFFu : (__mmask32)((1u << left) - 1);
    const int16_t *wb = (const int16_t *)p->w + (size_t)b * TP * 2 * BW;
    for (int oy = oy0; oy < oy1; oy++) {
        const int16_t *row = img + (size_t)(oy * SH) * WP * Cp + lane;
        int8_t *dst = out + (size_t)oy * OW * C + lane;
        int ox = 0;
        // Two pixels per step: independent accumulator chains for the out-of-order core.
        for (; ox + 2 <= OW; ox += 2, dst += 2 * C) {
            const int16_t *xb = row + (size_t)ox * SW * Cp, *xc = xb + (size_t)SW * Cp;
            __m512i alo = bias_lo, ahi = bias_hi, blo = bias_lo, bhi = bias_hi;
            for (int t = 0; t < TP; t++) {
                const __m512i wl = _mm512_loadu_si512((const void *)(wb + 2 * t * BW)), wh = _mm512_loadu_si512((const void *)(wb + (2 * t + 1) * BW));
                __m512i A = _mm512_loadu_si512((const void *)(xb + taps[2 * t])), B = _mm512_loadu_si512((const void *)(xb + taps[2 * t + 1]));
                __m512i D = _mm512_loadu_si512((const void *)(xc + taps[2 * t])), E = _mm512_loadu_si512((const void *)(xc + taps[2 * t + 1]));
                alo = _mm512_dpwssd_epi32(alo, _mm512_unpacklo_epi16(A, B), wl);
                ahi = _mm512_dpwssd_epi32(ahi, _mm512_unpackhi_epi16(A, B), wh);
                blo = _mm512_dpwssd_epi32(blo, _mm512_unpacklo_epi16(D, E), wl);
                bhi = _mm512_dpwssd_epi32(bhi, _mm512_unpackhi_epi16(D, E), wh);
            }
            store32(alo, ahi, m_lo, m_hi, l_lo, l_hi, r_lo, r_hi, zp, lo_c, hi_c, left, store, dst);
            store32(blo, bhi, m_lo, m_hi, l_lo, l_hi, r_lo, r_hi, zp, lo_c, hi_c, left, store, dst + C);
        }
        for (; ox < OW; ox++, dst += C) {
            const int16_t *xb = row + (size_t)ox * SW * Cp;
            __m512i alo = bias_lo, ahi = bias_hi;
            for (int t = 0; t < TP; t++) {
                __m512i A = _mm512_loadu_si512((const void *)(xb + taps[2 * t]));
                __m512i B = _mm512_loadu_si512((const void *)(xb + taps[2 * t + 1]));
                alo = _mm512_dpwssd_epi32(alo, _mm512_unpacklo_epi16(A, B), _mm512_loadu_si512((const void *)(wb + 2 * t * BW)));
                ahi = _mm512_dpwssd_epi32(ahi, _mm512_unpackhi_epi16(A, B), _mm512_loadu_si512((const void *)(wb + (2 * t + 1) * BW)));
            }
            store32(alo, ahi, m_lo, m_hi, l_lo, l_hi, r_lo, r_hi, zp, lo_c, hi_c, left, store, dst);
        }
    }
}

// The same with 16 channels (256-bit vpdpwssd, AVX-512VL), for layers of ≤ 16 channels,
// where a 32-lane block would compute half its lanes for nothing.
EA_AVX512 static inline __attribute__((always_inline)) void dw_block16(const ea_conv_plan *p, const int16_t *img, int8_t *out,
                                                                        const int TP, int oy0, int oy1) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, Cp = p->dw_cp, BW = 16;
    // Locals, not p->…: the int8 stores below may alias anything reached through a pointer,
    // which would make the compiler reload these in the inner loop.
    int32_t tap[2 * 8];
    for (int t = 0; t < 2 * TP && t < 16; t++) tap[t] = p->dw_tap[t];
    const int32_t *taps = TP <= 8 ? tap : p->dw_tap;
    const int OW = s->out_w, SH = s->stride_h, SW = s->stride_w, WP = p->dw_wp;
    const __m256i zp = _mm256_set1_epi32(s->out_zp), lo_c = _mm256_set1_epi32(s->act_min), hi_c = _mm256_set1_epi32(s->act_max);
    const __m256i bias_lo = _mm256_loadu_si256((const __m256i *)p->bias_eff), bias_hi = _mm256_loadu_si256((const __m256i *)(p->bias_eff + 8));
    const __m256i m_lo = _mm256_loadu_si256((const __m256i *)p->mult_p), m_hi = _mm256_loadu_si256((const __m256i *)(p->mult_p + 8));
    const __m256i l_lo = _mm256_loadu_si256((const __m256i *)p->lshift_p), l_hi = _mm256_loadu_si256((const __m256i *)(p->lshift_p + 8));
    const __m256i r_lo = _mm256_loadu_si256((const __m256i *)p->rshift_p), r_hi = _mm256_loadu_si256((const __m256i *)(p->rshift_p + 8));
    const __mmask16 store = C >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << C) - 1);
    const int16_t *wb = (const int16_t *)p->w;
    for (int oy = oy0; oy < oy1; oy++) {
        const int16_t *row = img + (size_t)(oy * SH) * WP * Cp;
        int8_t *dst = out + (size_t)oy * OW * C;
        int ox = 0;
        for (; ox + 2 <= OW; ox += 2, dst += 2 * C) {
            const int16_t *xb = row + (size_t)ox * SW * Cp, *xc = xb + (size_t)SW * Cp;
            __m256i alo = bias_lo, ahi = bias_hi, blo = bias_lo, bhi = bias_hi;
            for (int t = 0; t < TP; t++) {
                const __m256i wl = _mm256_loadu_si256((const __m256i *)(wb + 2 * t * BW)), wh = _mm256_loadu_si256((const __m256i *)(wb + (2 * t + 1) * BW));
                __m256i A = _mm256_loadu_si256((const __m256i *)(xb + taps[2 * t])), B = _mm256_loadu_si256((const __m256i *)(xb + taps[2 * t + 1]));
                __m256i D = _mm256_loadu_si256((const __m256i *)(xc + taps[2 * t])), E = _mm256_loadu_si256((const __m256i *)(xc + taps[2 * t + 1]));
                alo = _mm256_dpwssd_epi32(alo, _mm256_unpacklo_epi16(A, B), wl);
                ahi = _mm256_dpwssd_epi32(ahi, _mm256_unpackhi_epi16(A, B), wh);
                blo = _mm256_dpwssd_epi32(blo, _mm256_unpacklo_epi16(D, E), wl);
                bhi = _mm256_dpwssd_epi32(bhi, _mm256_unpackhi_epi16(D, E), wh);
            }
            store16(alo, ahi, m_lo, m_hi, l_lo, l_hi, r_lo, r_hi, zp, lo_c, hi_c, C, store, dst);
            store16(blo, bhi, m_lo, m_hi, l_lo, l_hi, r_lo, r_hi, zp, lo_c, hi_c, C, store, dst + C);
        }
        for (; ox < OW; ox++, dst += C) {
            const int16_t *xb = row + (size_t)ox * SW * Cp;
            __m256i alo = bias_lo, ahi = bias_hi;
            for (int t = 0; t < TP; t++) {
                __m256i A = _mm256_loadu_si256((const __m256i *)(xb + taps[2 * t]));
                __m256i B = _mm256_loadu_si256((const __m256i *)(xb + taps[2 * t + 1]));
                alo = _mm256_dpwssd_epi32(alo, _mm256_unpacklo_epi16(A, B), _mm256_loadu_si256((const __m256i *)(wb + 2 * t * BW)));
                ahi = _mm256_dpwssd_epi32(ahi, _mm256_unpackhi_epi16(A, B), _mm256_loadu_si256((const __m256i *)(wb + (2 * t + 1) * BW)));
            }
            store16(alo, ahi, m_lo, m_hi, l_lo, l_hi, r_lo, r_hi, zp, lo_c, hi_c, C, store, dst);
        }
    }
}

// 16 channels, two output pixels per 32-lane vector (see the packing): at stride_w 1 the
// window rows of pixels ox and ox + 1 are one contiguous 64-byte load per tap (two halves
// otherwise), and their 32 output bytes are one store. An odd last pixel takes the 256-bit path on the first halves of
// the same packed vectors (which are the 16-channel packing).
// The two pixels' tap rows: one 64-byte load at stride_w 1, two 32-byte halves otherwise.
EA_AVX512 static inline __attribute__((always_inline)) __m512i load_pair(const int16_t *x, const int step) {
    if (step == 16) return _mm512_loadu_si512((const void *)x);
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)x)), _mm256_loadu_si256((const __m256i *)(x + step)), 1);
}

EA_AVX512 static inline __attribute__((always_inline)) void dw_pairs16(const ea_conv_plan *p, const int16_t *img, int8_t *out, const int TP,
                                                                        const int SW, int oy0, int oy1) {
    const ea_conv_shape *s = &p->s;
    const int Cp = 16, BW = 32;
    int32_t tap[2 * 8];
    for (int t = 0; t < 2 * TP && t < 16; t++) tap[t] = p->dw_tap[t];
    const int32_t *taps = TP <= 8 ? tap : p->dw_tap;
    const int OW = s->out_w, SH = s->stride_h, WP = p->dw_wp, step = SW * Cp;
    const __m512i zp = _mm512_set1_epi32(s->out_zp), lo_c = _mm512_set1_epi32(s->act_min), hi_c = _mm512_set1_epi32(s->act_max);
    const __m512i bias_lo = _mm512_loadu_si512((const void *)p->bias_eff), bias_hi = _mm512_loadu_si512((const void *)(p->bias_eff + 16));
    const __m512i m_lo = _mm512_loadu_si512((const void *)p->mult_p), m_hi = _mm512_loadu_si512((const void *)(p->mult_p + 16));
    const __m512i l_lo = _mm512_loadu_si512((const void *)p->lshift_p), l_hi = _mm512_loadu_si512((const void *)(p->lshift_p + 16));
    const __m512i r_lo = _mm512_loadu_si512((const void *)p->rshift_p), r_hi = _mm512_loadu_si512((const void *)(p->rshift_p + 16));
    const int16_t *wb = (const int16_t *)p->w;
    for (int oy = oy0; oy < oy1; oy++) {
        const int16_t *row = img + (size_t)(oy * SH) * WP * Cp;
        int8_t *dst = out + (size_t)oy * OW * 16;
        int ox = 0;
        for (; ox + 4 <= OW; ox += 4, dst += 64) {
            const int16_t *xb = row + (size_t)ox * step, *xc = xb + 2 * step;
            __m512i alo = bias_lo, ahi = bias_hi, blo = bias_lo, bhi = bias_hi;
            for (int t = 0; t < TP; t++) {
                const __m512i wl = _mm512_loadu_si512((const void *)(wb + 2 * t * BW)), wh = _mm512_loadu_si512((const void *)(wb + (2 * t + 1) * BW));
                __m512i A = load_pair(xb + taps[2 * t], step), B = load_pair(xb + taps[2 * t + 1], step);
                __m512i D = load_pair(xc + taps[2 * t], step), E = load_pair(xc + taps[2 * t + 1], step);
                alo = _mm512_dpwssd_epi32(alo, _mm512_unpacklo_epi16(A, B), wl);
                ahi = _mm512_dpwssd_epi32(ahi, _mm512_unpackhi_epi16(A, B), wh);
                blo = _mm512_dpwssd_epi32(blo, _mm512_unpacklo_epi16(D, E), wl);
                bhi = _mm512_dpwssd_epi32(bhi, _mm512_unpackhi_epi16(D, E), wh);
            }
            store32(alo, ahi, m_lo, m_hi, l_lo, l_hi, r_lo, r_hi, zp, lo_c, hi_c, 32, 0, dst);
            store32(blo, bhi, m_lo, m_hi, l_lo, l_hi, r_lo, r_hi, zp, lo_c, hi_c, 32, 0, dst + 32);
        }
        for (; ox + 2 <= OW; ox += 2, dst += 32) {
            const int16_t *xb = row + (size_t)ox * step;
            __m512i alo = bias_lo, ahi = bias_hi;
            for (int t = 0; t < TP; t++) {
                __m512i A = load_pair(xb + taps[2 * t], step), B = load_pair(xb + taps[2 * t + 1], step);
                alo = _mm512_dpwssd_epi32(alo, _mm512_unpacklo_epi16(A, B), _mm512_loadu_si512((const void *)(wb + 2 * t * BW)));
                ahi = _mm512_dpwssd_epi32(ahi, _mm512_unpackhi_epi16(A, B), _mm512_loadu_si512((const void *)(wb + (2 * t + 1) * BW)));
            }
            store32(alo, ahi, m_lo, m_hi, l_lo, l_hi, r_lo, r_hi, zp, lo_c, hi_c, 32, 0, dst);
        }
        if (ox < OW) {
            const int16_t *xb = row + (size_t)ox * step;
            __m256i alo = _mm512_castsi512_si256(bias_lo), ahi = _mm512_castsi512_si256(bias_hi);
            for (int t = 0; t < TP; t++) {
                __m256i A = _mm256_loadu_si256((const __m256i *)(xb + taps[2 * t])), B = _mm256_loadu_si256((const __m256i *)(xb + taps[2 * t + 1]));
                alo = _mm256_dpwssd_epi32(alo, _mm256_unpacklo_epi16(A, B), _mm256_loadu_si256((const __m256i *)(wb + 2 * t * BW)));
                ahi = _mm256_dpwssd_epi32(ahi, _mm256_unpackhi_epi16(A, B), _mm256_loadu_si256((const __m256i *)(wb + (2 * t + 1) * BW)));
            }
            store16(alo, ahi, _mm512_castsi512_si256(m_lo), _mm512_castsi512_si256(m_hi), _mm512_castsi512_si256(l_lo),
                    _mm512_castsi512_si256(l_hi), _mm512_castsi512_si256(r_lo), _mm512_castsi512_si256(r_hi), _mm512_castsi512_si256(zp),
                    _mm512_castsi512_si256(lo_c), _mm512_castsi512_si256(hi_c), 16, 0, dst);
        }
    }
}

// Output rows [oy0, oy1) from the int16 image (read only: threads may share it).
EA_AVX512 void ea_dwconv_rows_avx512(const ea_conv_plan *p, const int16_t *img, int8_t *out, int oy0, int oy1) {
    const int TP = (p->s.kernel_h * p->s.kernel_w + 1) / 2;
    if (p->dw_pair) {
        // 3×3 at stride 1 or 2: constant trip count and step, weights in registers.
        if (TP == 5 && p->s.stride_w == 1) dw_pairs16(p, img, out, 5, 1, oy0, oy1);
        else if (TP == 5 && p->s.stride_w == 2) dw_pairs16(p, img, out, 5, 2, oy0, oy1);
        else dw_pairs16(p, img, out, TP, p->s.stride_w, oy0, oy1);
        return;
    }
    if (p->dw_block == 16) {
        if (TP == 5) dw_block16(p, img, out, 5, oy0, oy1);
        else dw_block16(p, img, out, TP, oy0, oy1);
        return;
    }
    for (int b = 0; b < p->dw_cp / 32; b++) {
        if (TP == 5) dw_block32(p, img, out, b, 5, oy0, oy1);
        else dw_block32(p, img, out, b, TP, oy0, oy1);
    }
}

// Rows [r0, r1) of the int16 image of ea_dwconv_rows_avx512 from the int8 input.
EA_AVX512 void ea_dwconv_image_avx512(const ea_conv_plan *p, const int8_t *in, int16_t *img, int r0, int r1) { dw_image16_512(p, in, img, r0, r1); }

EA_AVX512 void ea_dwconv_run_avx512(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    int16_t *img = (int16_t *)ea_scratch_image(p, scratch);
    dw_image16_512(p, in, img, 0, p->dw_hp);
    ea_dwconv_rows_avx512(p, img, out, 0, p->s.out_h);
}
#endif
