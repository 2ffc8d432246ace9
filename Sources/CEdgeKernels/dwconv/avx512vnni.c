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

// No loop here is unrolled (clang's unroller runs at -O2 too): unrolled copies of these
// loops hold twice the accumulators and loads, and the spills made 7×7×64 25% slower and
// 14×14×32 stride 2 20% slower (measured against -fno-unroll-loops).
// (clang builds the package; gcc, used only by the sanitizer scripts, keeps its own choice.)
#if defined(__clang__)
#define EA_NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define EA_NO_UNROLL
#endif

// `n` int16 values v from dst on (the padding of the image: in_zp, as the zero point is
// folded into the bias).
EA_AVX512 static inline void fill16(int16_t *dst, size_t n, __m512i v) {
    size_t i = 0;
    EA_NO_UNROLL
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
    EA_NO_UNROLL
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
            EA_NO_UNROLL
            for (; i + 32 <= n; i += 32) _mm512_storeu_si512((void *)(dst + i), _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(src + i))));
            if (i < n) {  // n is a multiple of 16: at most one half-step
                __mmask32 m = (__mmask32)((1ull << (n - i)) - 1);
                _mm512_mask_storeu_epi16(dst + i, m, _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, src + i)));
            }
            continue;
        }
        EA_NO_UNROLL
        for (int x = 0; x < s->in_w; x++) {
            const int8_t *src = in + ((size_t)y * s->in_w + x) * C;
            int16_t *dst = row + (size_t)(x + s->pad_left) * Cp;
            int c = 0;
            EA_NO_UNROLL
            for (; c + 32 <= C; c += 32) _mm512_storeu_si512((void *)(dst + c), _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(src + c))));
            // Masked loads/stores only for the last few channels: they are slow on some cores.
            if (c < C) {
                __mmask32 m = (__mmask32)((1ull << (C - c)) - 1);
                _mm512_mask_storeu_epi16(dst + c, m, _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, src + c)));
            }
        }
    }
}

// The output stage of a block (constants in the lane order of x86-pack.c): the exact
// requantisation's, or with FAST (plans with rq_fast) the binary32 one's (x86_requant.h,
// ea_fq16), and the zero point and clamps. Only the set in use is loaded.
typedef struct { __m512i m_lo, m_hi, l_lo, l_hi, r_lo, r_hi, zp, lo_c, hi_c; ea_fq16 f_lo, f_hi; } dw_stage;

// Every field zero but the zero point and clamps, which both stages use.
EA_AVX512 static inline __attribute__((always_inline)) dw_stage dw_stage_base(const ea_conv_plan *p) {
    dw_stage st;
    const __m512i z = _mm512_setzero_si512();
    st.m_lo = st.m_hi = st.l_lo = st.l_hi = st.r_lo = st.r_hi = z;
    st.f_lo.m = st.f_lo.cl = st.f_lo.ch = st.f_lo.cln = st.f_lo.chn = _mm512_setzero_ps();
    st.f_hi = st.f_lo;
    st.zp = _mm512_set1_epi32(p->s.out_zp); st.lo_c = _mm512_set1_epi32(p->s.act_min); st.hi_c = _mm512_set1_epi32(p->s.act_max);
    return st;
}

EA_AVX512 static inline __attribute__((always_inline)) dw_stage dw_stage_load(const ea_conv_plan *p, int lane, const int FAST) {
    dw_stage st = dw_stage_base(p);
    if (FAST) {
        st.f_lo = ea_fq16_load(p->fq, p->Op, lane, FAST == 2);
        st.f_hi = ea_fq16_load(p->fq, p->Op, lane + 16, FAST == 2);
    } else {
        st.m_lo = _mm512_loadu_si512((const void *)(p->mult_p + lane)); st.m_hi = _mm512_loadu_si512((const void *)(p->mult_p + lane + 16));
        st.l_lo = _mm512_loadu_si512((const void *)(p->lshift_p + lane)); st.l_hi = _mm512_loadu_si512((const void *)(p->lshift_p + lane + 16));
        st.r_lo = _mm512_loadu_si512((const void *)(p->rshift_p + lane)); st.r_hi = _mm512_loadu_si512((const void *)(p->rshift_p + lane + 16));
    }
    return st;
}

// The exact redo of output row oy (every block), out of line: the binary32 stage's
// fallback for a row in which its bracket left a lane undecided (defined after dw_rows).
static void dw_row_exact(const ea_conv_plan *p, const int16_t *img, const ea_out_target *target, int oy);

// Requantises the low/high accumulators of the 32-channel block at `lane`, offsets, clamps,
// narrows (packs_epi32 undoes the unpack order; values are already in [-128, 127]), XORs
// the bytes with `flip` (0, or 0x80 into a convolution's u8 image: ea_out_target) and stores.
// With FAST, lanes the bracket leaves undecided are added to *und (the row is redone).
EA_AVX512 static inline __attribute__((always_inline)) void store32(const dw_stage *st, const int FAST, __mmask16 *und, __m512i alo,
                                                                     __m512i ahi, int left, __mmask32 store, __m256i flip, int8_t *dst) {
    __m512i vlo, vhi;
    if (FAST) {
        __mmask16 ul, uh;
        vlo = ea_fq16_stage(&st->f_lo, alo, &ul, FAST);
        vhi = ea_fq16_stage(&st->f_hi, ahi, &uh, FAST);
        *und |= ul | uh;
    } else {
        vlo = _mm512_add_epi32(ea_requant16_ls(alo, st->m_lo, st->l_lo, st->r_lo), st->zp);
        vhi = _mm512_add_epi32(ea_requant16_ls(ahi, st->m_hi, st->l_hi, st->r_hi), st->zp);
    }
    vlo = _mm512_min_epi32(_mm512_max_epi32(vlo, st->lo_c), st->hi_c);
    vhi = _mm512_min_epi32(_mm512_max_epi32(vhi, st->lo_c), st->hi_c);
    __m256i v8 = _mm256_xor_si256(_mm512_cvtsepi16_epi8(_mm512_packs_epi32(vlo, vhi)), flip);
    if (left >= 32) _mm256_storeu_si256((__m256i *)dst, v8);
    else _mm256_mask_storeu_epi8(dst, store, v8);
}

// The binary32 stage on 8 lanes, run as 16 with the upper half zero (embedded rounding
// exists only for 512-bit operations): there accumulator and constants are 0, so those
// lanes give 0 at both ends of the bracket and are never undecided.
EA_AVX512 static inline __attribute__((always_inline)) __m256i fq8_apply(const ea_fq16 *f, __m256i acc, __mmask16 *undecided, const int FAST) {
    return _mm512_castsi512_si256(ea_fq16_stage(f, _mm512_zextsi256_si512(acc), undecided, FAST));
}
EA_AVX512 static inline ea_fq16 fq8_load(const float *fq, int op, int ob) {
    ea_fq16 f;
    f.m = _mm512_zextps256_ps512(_mm256_loadu_ps(fq + ob));
    f.cl = _mm512_zextps256_ps512(_mm256_loadu_ps(fq + op + ob));
    f.ch = _mm512_zextps256_ps512(_mm256_loadu_ps(fq + 2 * op + ob));
    f.cln = _mm512_zextps256_ps512(_mm256_loadu_ps(fq + 3 * op + ob));
    f.chn = _mm512_zextps256_ps512(_mm256_loadu_ps(fq + 4 * op + ob));
    return f;
}

// Likewise for a 16-channel block (256-bit; low lanes 0–7, high lanes hoff…; st from
// dw_stage_load16).
EA_AVX512 static inline __attribute__((always_inline)) void store16(const dw_stage *st, const int FAST, __mmask16 *und, __m256i alo,
                                                                     __m256i ahi, int C, __mmask16 store, __m128i flip, int8_t *dst) {
    __m256i vlo, vhi;
    if (FAST) {
        __mmask16 ul, uh;
        vlo = fq8_apply(&st->f_lo, alo, &ul, FAST);
        vhi = fq8_apply(&st->f_hi, ahi, &uh, FAST);
        *und |= ul | uh;
    } else {
        vlo = _mm256_add_epi32(ea_requant8_ls(alo, _mm512_castsi512_si256(st->m_lo), _mm512_castsi512_si256(st->l_lo), _mm512_castsi512_si256(st->r_lo)),
                               _mm512_castsi512_si256(st->zp));
        vhi = _mm256_add_epi32(ea_requant8_ls(ahi, _mm512_castsi512_si256(st->m_hi), _mm512_castsi512_si256(st->l_hi), _mm512_castsi512_si256(st->r_hi)),
                               _mm512_castsi512_si256(st->zp));
    }
    const __m256i lo_c = _mm512_castsi512_si256(st->lo_c), hi_c = _mm512_castsi512_si256(st->hi_c);
    vlo = _mm256_min_epi32(_mm256_max_epi32(vlo, lo_c), hi_c);
    vhi = _mm256_min_epi32(_mm256_max_epi32(vhi, lo_c), hi_c);
    __m128i v8 = _mm_xor_si128(_mm256_cvtsepi16_epi8(_mm256_packs_epi32(vlo, vhi)), flip);
    if (C >= 16) _mm_storeu_si128((__m128i *)dst, v8);
    else _mm_mask_storeu_epi8(dst, store, v8);
}

// The 256-bit stage (16-channel blocks, and the pair path's odd pixel): low lanes from 0,
// high lanes from `hoff` (8 in a 16-lane block; 16 in the pair layout, whose lanes 16–23
// hold the 16-lane block's high channels).
EA_AVX512 static inline __attribute__((always_inline)) dw_stage dw_stage_load16(const ea_conv_plan *p, const int FAST, int hoff) {
    dw_stage st = dw_stage_base(p);
    if (FAST) {
        st.f_lo = fq8_load(p->fq, p->Op, 0);
        st.f_hi = fq8_load(p->fq, p->Op, hoff);
    } else {
        st.m_lo = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)p->mult_p));
        st.m_hi = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)(p->mult_p + hoff)));
        st.l_lo = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)p->lshift_p));
        st.l_hi = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)(p->lshift_p + hoff)));
        st.r_lo = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)p->rshift_p));
        st.r_hi = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)(p->rshift_p + hoff)));
    }
    return st;
}

// One block of 32 channels over every output pixel. TP (tap pairs) is a compile-time
// constant at the 3×3 call site, so the ten weight vectors stay in registers.
EA_AVX512 static inline __attribute__((always_inline)) void dw_block32(const ea_conv_plan *p, const int16_t *img, const ea_out_target *target,
                                                                        int b, const int TP, const int FAST, int oy0, int oy1) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, Cp = p->dw_cp, BW = 32, lane = b * BW;
    // Locals, not p->…: the int8 stores below may alias anything reached through a pointer,
    // which would make the compiler reload these in the inner loop.
    int32_t tap[2 * 8];
    EA_NO_UNROLL
    for (int t = 0; t < 2 * TP && t < 16; t++) tap[t] = p->dw_tap[t];
    const int32_t *taps = TP <= 8 ? tap : p->dw_tap;
    const int OW = s->out_w, SH = s->stride_h, SW = s->stride_w, WP = p->dw_wp;
    int8_t *const base = target->base;
    const size_t row_bytes = target->row;
    const __m256i flip = _mm256_set1_epi8((char)target->flip);
    const dw_stage st = dw_stage_load(p, lane, FAST);
    const __m512i bias_lo = _mm512_loadu_si512((const void *)(p->bias_eff + lane));
    const __m512i bias_hi = _mm512_loadu_si512((const void *)(p->bias_eff + lane + 16));
    const int left = C - lane;
    const __mmask32 store = left >= 32 ? (__mmask32)0xFFFFFFFFu : (__mmask32)((1u << left) - 1);
    const int16_t *wb = (const int16_t *)p->w + (size_t)b * TP * 2 * BW;
    EA_NO_UNROLL
    for (int oy = oy0; oy < oy1; oy++) {
        __mmask16 und = 0;
        const int16_t *row = img + (size_t)(oy * SH) * WP * Cp + lane;
        int8_t *dst = base + (size_t)oy * row_bytes + lane;
        int ox = 0;
        // Two pixels per step: independent accumulator chains for the out-of-order core.
                EA_NO_UNROLL
                for (; ox + 2 <= OW; ox += 2, dst += 2 * C) {
            const int16_t *xb = row + (size_t)ox * SW * Cp, *xc = xb + (size_t)SW * Cp;
            __m512i alo = bias_lo, ahi = bias_hi, blo = bias_lo, bhi = bias_hi;
            EA_NO_UNROLL
            for (int t = 0; t < TP; t++) {
                const __m512i wl = _mm512_loadu_si512((const void *)(wb + 2 * t * BW)), wh = _mm512_loadu_si512((const void *)(wb + (2 * t + 1) * BW));
                __m512i A = _mm512_loadu_si512((const void *)(xb + taps[2 * t])), B = _mm512_loadu_si512((const void *)(xb + taps[2 * t + 1]));
                __m512i D = _mm512_loadu_si512((const void *)(xc + taps[2 * t])), E = _mm512_loadu_si512((const void *)(xc + taps[2 * t + 1]));
                alo = _mm512_dpwssd_epi32(alo, _mm512_unpacklo_epi16(A, B), wl);
                ahi = _mm512_dpwssd_epi32(ahi, _mm512_unpackhi_epi16(A, B), wh);
                blo = _mm512_dpwssd_epi32(blo, _mm512_unpacklo_epi16(D, E), wl);
                bhi = _mm512_dpwssd_epi32(bhi, _mm512_unpackhi_epi16(D, E), wh);
            }
            store32(&st, FAST, &und, alo, ahi, left, store, flip, dst);
            store32(&st, FAST, &und, blo, bhi, left, store, flip, dst + C);
        }
        EA_NO_UNROLL
        for (; ox < OW; ox++, dst += C) {
            const int16_t *xb = row + (size_t)ox * SW * Cp;
            __m512i alo = bias_lo, ahi = bias_hi;
            EA_NO_UNROLL
            for (int t = 0; t < TP; t++) {
                __m512i A = _mm512_loadu_si512((const void *)(xb + taps[2 * t]));
                __m512i B = _mm512_loadu_si512((const void *)(xb + taps[2 * t + 1]));
                alo = _mm512_dpwssd_epi32(alo, _mm512_unpacklo_epi16(A, B), _mm512_loadu_si512((const void *)(wb + 2 * t * BW)));
                ahi = _mm512_dpwssd_epi32(ahi, _mm512_unpackhi_epi16(A, B), _mm512_loadu_si512((const void *)(wb + (2 * t + 1) * BW)));
            }
            store32(&st, FAST, &und, alo, ahi, left, store, flip, dst);
        }
        if (FAST && und) dw_row_exact(p, img, target, oy);
    }
}

// The same with 16 channels (256-bit vpdpwssd, AVX-512VL), for layers of ≤ 16 channels,
// where a 32-lane block would compute half its lanes for nothing.
EA_AVX512 static inline __attribute__((always_inline)) void dw_block16(const ea_conv_plan *p, const int16_t *img, const ea_out_target *target,
                                                                        const int TP, const int FAST, int oy0, int oy1) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, Cp = p->dw_cp, BW = 16;
    // Locals, not p->…: the int8 stores below may alias anything reached through a pointer,
    // which would make the compiler reload these in the inner loop.
    int32_t tap[2 * 8];
    EA_NO_UNROLL
    for (int t = 0; t < 2 * TP && t < 16; t++) tap[t] = p->dw_tap[t];
    const int32_t *taps = TP <= 8 ? tap : p->dw_tap;
    const int OW = s->out_w, SH = s->stride_h, SW = s->stride_w, WP = p->dw_wp;
    int8_t *const base = target->base;
    const size_t row_bytes = target->row;
    const __m128i flip = _mm_set1_epi8((char)target->flip);
    const dw_stage st = dw_stage_load16(p, FAST, 8);
    const __m256i bias_lo = _mm256_loadu_si256((const __m256i *)p->bias_eff), bias_hi = _mm256_loadu_si256((const __m256i *)(p->bias_eff + 8));
    const __mmask16 store = C >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << C) - 1);
    const int16_t *wb = (const int16_t *)p->w;
    EA_NO_UNROLL
    for (int oy = oy0; oy < oy1; oy++) {
        __mmask16 und = 0;
        const int16_t *row = img + (size_t)(oy * SH) * WP * Cp;
        int8_t *dst = base + (size_t)oy * row_bytes;
        int ox = 0;
                EA_NO_UNROLL
                for (; ox + 2 <= OW; ox += 2, dst += 2 * C) {
            const int16_t *xb = row + (size_t)ox * SW * Cp, *xc = xb + (size_t)SW * Cp;
            __m256i alo = bias_lo, ahi = bias_hi, blo = bias_lo, bhi = bias_hi;
            EA_NO_UNROLL
            for (int t = 0; t < TP; t++) {
                const __m256i wl = _mm256_loadu_si256((const __m256i *)(wb + 2 * t * BW)), wh = _mm256_loadu_si256((const __m256i *)(wb + (2 * t + 1) * BW));
                __m256i A = _mm256_loadu_si256((const __m256i *)(xb + taps[2 * t])), B = _mm256_loadu_si256((const __m256i *)(xb + taps[2 * t + 1]));
                __m256i D = _mm256_loadu_si256((const __m256i *)(xc + taps[2 * t])), E = _mm256_loadu_si256((const __m256i *)(xc + taps[2 * t + 1]));
                alo = _mm256_dpwssd_epi32(alo, _mm256_unpacklo_epi16(A, B), wl);
                ahi = _mm256_dpwssd_epi32(ahi, _mm256_unpackhi_epi16(A, B), wh);
                blo = _mm256_dpwssd_epi32(blo, _mm256_unpacklo_epi16(D, E), wl);
                bhi = _mm256_dpwssd_epi32(bhi, _mm256_unpackhi_epi16(D, E), wh);
            }
            store16(&st, FAST, &und, alo, ahi, C, store, flip, dst);
            store16(&st, FAST, &und, blo, bhi, C, store, flip, dst + C);
        }
        EA_NO_UNROLL
        for (; ox < OW; ox++, dst += C) {
            const int16_t *xb = row + (size_t)ox * SW * Cp;
            __m256i alo = bias_lo, ahi = bias_hi;
            EA_NO_UNROLL
            for (int t = 0; t < TP; t++) {
                __m256i A = _mm256_loadu_si256((const __m256i *)(xb + taps[2 * t]));
                __m256i B = _mm256_loadu_si256((const __m256i *)(xb + taps[2 * t + 1]));
                alo = _mm256_dpwssd_epi32(alo, _mm256_unpacklo_epi16(A, B), _mm256_loadu_si256((const __m256i *)(wb + 2 * t * BW)));
                ahi = _mm256_dpwssd_epi32(ahi, _mm256_unpackhi_epi16(A, B), _mm256_loadu_si256((const __m256i *)(wb + (2 * t + 1) * BW)));
            }
            store16(&st, FAST, &und, alo, ahi, C, store, flip, dst);
        }
        if (FAST && und) dw_row_exact(p, img, target, oy);
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

EA_AVX512 static inline __attribute__((always_inline)) void dw_pairs16(const ea_conv_plan *p, const int16_t *img, const ea_out_target *target, const int TP,
                                                                        const int SW, const int FAST, int oy0, int oy1) {
    const ea_conv_shape *s = &p->s;
    const int Cp = 16, BW = 32;
    int32_t tap[2 * 8];
    EA_NO_UNROLL
    for (int t = 0; t < 2 * TP && t < 16; t++) tap[t] = p->dw_tap[t];
    const int32_t *taps = TP <= 8 ? tap : p->dw_tap;
    const int OW = s->out_w, SH = s->stride_h, WP = p->dw_wp, step = SW * Cp;
    int8_t *const base = target->base;
    const size_t row_bytes = target->row;
    const __m256i flip = _mm256_set1_epi8((char)target->flip);
    const dw_stage st = dw_stage_load(p, 0, FAST);
    const __m512i bias_lo = _mm512_loadu_si512((const void *)p->bias_eff), bias_hi = _mm512_loadu_si512((const void *)(p->bias_eff + 16));
    const int16_t *wb = (const int16_t *)p->w;
    EA_NO_UNROLL
    for (int oy = oy0; oy < oy1; oy++) {
        __mmask16 und = 0;
        const int16_t *row = img + (size_t)(oy * SH) * WP * Cp;
        int8_t *dst = base + (size_t)oy * row_bytes;
        int ox = 0;
                EA_NO_UNROLL
                for (; ox + 4 <= OW; ox += 4, dst += 64) {
            const int16_t *xb = row + (size_t)ox * step, *xc = xb + 2 * step;
            __m512i alo = bias_lo, ahi = bias_hi, blo = bias_lo, bhi = bias_hi;
            EA_NO_UNROLL
            for (int t = 0; t < TP; t++) {
                const __m512i wl = _mm512_loadu_si512((const void *)(wb + 2 * t * BW)), wh = _mm512_loadu_si512((const void *)(wb + (2 * t + 1) * BW));
                __m512i A = load_pair(xb + taps[2 * t], step), B = load_pair(xb + taps[2 * t + 1], step);
                __m512i D = load_pair(xc + taps[2 * t], step), E = load_pair(xc + taps[2 * t + 1], step);
                alo = _mm512_dpwssd_epi32(alo, _mm512_unpacklo_epi16(A, B), wl);
                ahi = _mm512_dpwssd_epi32(ahi, _mm512_unpackhi_epi16(A, B), wh);
                blo = _mm512_dpwssd_epi32(blo, _mm512_unpacklo_epi16(D, E), wl);
                bhi = _mm512_dpwssd_epi32(bhi, _mm512_unpackhi_epi16(D, E), wh);
            }
            store32(&st, FAST, &und, alo, ahi, 32, 0, flip, dst);
            store32(&st, FAST, &und, blo, bhi, 32, 0, flip, dst + 32);
        }
                EA_NO_UNROLL
                for (; ox + 2 <= OW; ox += 2, dst += 32) {
            const int16_t *xb = row + (size_t)ox * step;
            __m512i alo = bias_lo, ahi = bias_hi;
            EA_NO_UNROLL
            for (int t = 0; t < TP; t++) {
                __m512i A = load_pair(xb + taps[2 * t], step), B = load_pair(xb + taps[2 * t + 1], step);
                alo = _mm512_dpwssd_epi32(alo, _mm512_unpacklo_epi16(A, B), _mm512_loadu_si512((const void *)(wb + 2 * t * BW)));
                ahi = _mm512_dpwssd_epi32(ahi, _mm512_unpackhi_epi16(A, B), _mm512_loadu_si512((const void *)(wb + (2 * t + 1) * BW)));
            }
            store32(&st, FAST, &und, alo, ahi, 32, 0, flip, dst);
        }
        if (ox < OW) {
            const int16_t *xb = row + (size_t)ox * step;
            __m256i alo = _mm512_castsi512_si256(bias_lo), ahi = _mm512_castsi512_si256(bias_hi);
            EA_NO_UNROLL
            for (int t = 0; t < TP; t++) {
                __m256i A = _mm256_loadu_si256((const __m256i *)(xb + taps[2 * t])), B = _mm256_loadu_si256((const __m256i *)(xb + taps[2 * t + 1]));
                alo = _mm256_dpwssd_epi32(alo, _mm256_unpacklo_epi16(A, B), _mm256_loadu_si256((const __m256i *)(wb + 2 * t * BW)));
                ahi = _mm256_dpwssd_epi32(ahi, _mm256_unpackhi_epi16(A, B), _mm256_loadu_si256((const __m256i *)(wb + (2 * t + 1) * BW)));
            }
            const dw_stage st16 = dw_stage_load16(p, FAST, 16);
            store16(&st16, FAST, &und, alo, ahi, 16, 0, _mm256_castsi256_si128(flip), dst);
        }
        if (FAST && und) dw_row_exact(p, img, target, oy);
    }
}

// Output rows [oy0, oy1), with the binary32 output stage (FAST) or the exact one.
EA_AVX512 static inline __attribute__((always_inline)) void dw_rows(const ea_conv_plan *p, const int16_t *img, const ea_out_target *target, const int FAST,
                                                                     int oy0, int oy1) {
    const int TP = (p->s.kernel_h * p->s.kernel_w + 1) / 2;
    if (p->dw_pair) {
        // 3×3 at stride 1 or 2: constant trip count and step, weights in registers.
        if (TP == 5 && p->s.stride_w == 1) dw_pairs16(p, img, target, 5, 1, FAST, oy0, oy1);
        else if (TP == 5 && p->s.stride_w == 2) dw_pairs16(p, img, target, 5, 2, FAST, oy0, oy1);
        else dw_pairs16(p, img, target, TP, p->s.stride_w, FAST, oy0, oy1);
        return;
    }
    if (p->dw_block == 16) {
        if (TP == 5) dw_block16(p, img, target, 5, FAST, oy0, oy1);
        else dw_block16(p, img, target, TP, FAST, oy0, oy1);
        return;
    }
    EA_NO_UNROLL
    for (int b = 0; b < p->dw_cp / 32; b++) {
        if (TP == 5) dw_block32(p, img, target, b, 5, FAST, oy0, oy1);
        else dw_block32(p, img, target, b, TP, FAST, oy0, oy1);
    }
}

EA_AVX512 __attribute__((noinline, cold)) static void dw_row_exact(const ea_conv_plan *p, const int16_t *img, const ea_out_target *target, int oy) {
    dw_rows(p, img, target, 0, oy, oy + 1);
}

// Output rows [oy0, oy1) from the int16 image (read only: threads may share it).
EA_AVX512 void ea_dwconv_rows_avx512(const ea_conv_plan *p, const int16_t *img, const ea_out_target *target, int oy0, int oy1) {
    if (p->rq_fast == 2) dw_rows(p, img, target, 2, oy0, oy1);
    else if (p->rq_fast) dw_rows(p, img, target, 1, oy0, oy1);
    else dw_rows(p, img, target, 0, oy0, oy1);
}

// Rows [r0, r1) of the int16 image of ea_dwconv_rows_avx512 from the int8 input.
EA_AVX512 void ea_dwconv_image_avx512(const ea_conv_plan *p, const int8_t *in, int16_t *img, int r0, int r1) { dw_image16_512(p, in, img, r0, r1); }

EA_AVX512 void ea_dwconv_run_avx512(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    int16_t *img = (int16_t *)ea_scratch_image(p, scratch);
    dw_image16_512(p, in, img, 0, p->dw_hp);
    const ea_out_target t = ea_dense_target(p, out);
    ea_dwconv_rows_avx512(p, img, &t, 0, p->s.out_h);
}
#endif
