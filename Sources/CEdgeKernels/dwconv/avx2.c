// x86-64 AVX2 depthwise convolution, depth multiplier 1, any kernel/stride per axis and
// any padding: 16 channels per block, taps taken in pairs by vpmaddwd (lane order and the
// exactness argument in dwconv/x86-pack.c); requantisation in registers (8 lanes × 2), by
// the binary32 bracket (ea_fq8) where the plan proves it, else exactly.
// The input is converted once per call to a zero-padded int16 image x − zp whose channel
// stride is C rounded up to 16 (padding and spare channels hold 0, the real 0).
#if defined(__x86_64__)
#include "conv_plan.h"
#include "x86_requant.h"
#include <immintrin.h>
#include <string.h>

// Rows [r0, r1) of the padded centred int16 image (the AVX-512 file's layout: channel
// stride C rounded up to 16, padding and spare channels 0, the real 0), and the slack past
// the last row when r1 reaches it: a thread builds the rows its output rows read.
EA_AVX2 void ea_dwconv_image16_rows_avx2(const ea_conv_plan *p, const int8_t *in, int16_t *img, int r0, int r1) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, Cp = p->dw_cp;
    const size_t rowElems = (size_t)p->dw_wp * Cp;
    if (r0 < 0) r0 = 0;
    if (r1 > p->dw_hp) r1 = p->dw_hp;
    const __m256i zp = _mm256_set1_epi16((short)s->in_zp);
    for (int r = r0; r < r1; r++) {
        int16_t *row = img + (size_t)r * rowElems;
        const int y = r - s->pad_top;
        if (y < 0 || y >= s->in_h || C != Cp) memset(row, 0, rowElems * sizeof(int16_t));
        if (y < 0 || y >= s->in_h) continue;
        if (C == Cp) {
            // Every interior pixel is rewritten below: zero only the borders.
            memset(row, 0, (size_t)s->pad_left * Cp * sizeof(int16_t));
            memset(row + (size_t)(s->pad_left + s->in_w) * Cp, 0, (size_t)(p->dw_wp - s->pad_left - s->in_w) * Cp * sizeof(int16_t));
        }
        for (int x = 0; x < s->in_w; x++) {
            const int8_t *src = in + ((size_t)y * s->in_w + x) * C;
            int16_t *dst = row + (size_t)(x + s->pad_left) * Cp;
            int c = 0;
            for (; c + 16 <= C; c += 16)
                _mm256_storeu_si256((__m256i *)(dst + c), _mm256_sub_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(src + c))), zp));
            // Eight channels at a time for the rest (8-channel layers: one step per pixel).
            for (; c + 8 <= C; c += 8)
                _mm_storeu_si128((__m128i *)(dst + c), _mm_sub_epi16(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(src + c))),
                                                                      _mm256_castsi256_si128(zp)));
            for (; c < C; c++) dst[c] = (int16_t)(src[c] - s->in_zp);
        }
    }
    if (r1 == p->dw_hp) memset(img + (size_t)p->dw_hp * rowElems, 0, 64);
}

// 16 int32 outputs in the accumulators' lane order (x86-pack.c) to channel-ordered bytes.
EA_AVX2 static inline void dw_put(__m256i vlo, __m256i vhi, int left, int8_t *dst) {
    // packs_epi32 undoes the unpack order: 128-bit lane L holds channels 8L…8L+7.
    __m256i v16 = _mm256_packs_epi32(vlo, vhi);
    __m128i v8 = _mm256_castsi256_si128(_mm256_permute4x64_epi64(_mm256_packs_epi16(v16, v16), 0xD8));
    if (left >= 16) {
        _mm_storeu_si128((__m128i *)dst, v8);
    } else {
        int8_t tmp[16];
        _mm_storeu_si128((__m128i *)tmp, v8);
        memcpy(dst, tmp, (size_t)left);
    }
}

// Every output pixel for one 16-channel block; TP is a constant at the 3×3 call site. F: the
// output stage (0 exact; 1 the binary32 bracket, 2 with its constants picked by sign, a pixel
// with an undecided lane redone by the exact stage).
EA_AVX2FMA static inline __attribute__((always_inline)) void dw_block(const ea_conv_plan *p, const int16_t *img, int8_t *out, int b,
                                                                       int oy0, int oy1, const int TP, const int F) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, Cp = p->dw_cp, BW = 16, lane = b * BW;
    // Locals, not p->…: the int8 stores below may alias anything reached through a pointer,
    // which would make the compiler reload these in the inner loop.
    int32_t tap[2 * 8];
    for (int t = 0; t < 2 * TP && t < 16; t++) tap[t] = p->dw_tap[t];
    const int32_t *taps = TP <= 8 ? tap : p->dw_tap;
    const int OW = s->out_w, SH = s->stride_h, SW = s->stride_w, WP = p->dw_wp;
    const __m256i zp = _mm256_set1_epi32(s->out_zp), lo_c = _mm256_set1_epi32(s->act_min), hi_c = _mm256_set1_epi32(s->act_max);
    const __m256i bias_lo = _mm256_loadu_si256((const __m256i *)(p->bias_eff + lane));
    const __m256i bias_hi = _mm256_loadu_si256((const __m256i *)(p->bias_eff + lane + 8));
    const __m256i m_lo = _mm256_loadu_si256((const __m256i *)(p->mult_p + lane)), m_hi = _mm256_loadu_si256((const __m256i *)(p->mult_p + lane + 8));
    const __m256i l_lo = _mm256_loadu_si256((const __m256i *)(p->lshift_p + lane)), l_hi = _mm256_loadu_si256((const __m256i *)(p->lshift_p + lane + 8));
    const __m256i r_lo = _mm256_loadu_si256((const __m256i *)(p->rshift_p + lane)), r_hi = _mm256_loadu_si256((const __m256i *)(p->rshift_p + lane + 8));
    const int16_t *wb = (const int16_t *)p->w + (size_t)b * TP * 2 * BW;
    // (The exact stage has no fq array: it loads zeros it never uses.)
    static const float none[5 * 16];
    const float *fq = F ? p->fq : none;
    const int fop = F ? p->Op : 16;
    const ea_fq8 flo = ea_fq8_load(fq, fop, F ? lane : 0, F), fhi = ea_fq8_load(fq, fop, F ? lane + 8 : 8, F);
    const __m256 flo_c = _mm256_set1_ps((float)s->act_min), fhi_c = _mm256_set1_ps((float)s->act_max);
    const int left = C - lane;
    for (int oy = oy0; oy < oy1; oy++) {
        const int16_t *row = img + (size_t)(oy * SH) * WP * Cp + lane;
        int8_t *dst = out + (size_t)oy * OW * C + lane;
        for (int ox = 0; ox < OW; ox++, dst += C) {
            const int16_t *xb = row + (size_t)ox * SW * Cp;
            __m256i alo = bias_lo, ahi = bias_hi;
            for (int t = 0; t < TP; t++) {
                __m256i A = _mm256_loadu_si256((const __m256i *)(xb + taps[2 * t]));
                __m256i B = _mm256_loadu_si256((const __m256i *)(xb + taps[2 * t + 1]));
                alo = _mm256_add_epi32(alo, _mm256_madd_epi16(_mm256_unpacklo_epi16(A, B), _mm256_loadu_si256((const __m256i *)(wb + 2 * t * BW))));
                ahi = _mm256_add_epi32(ahi, _mm256_madd_epi16(_mm256_unpackhi_epi16(A, B), _mm256_loadu_si256((const __m256i *)(wb + (2 * t + 1) * BW))));
            }
            if (F) {
                __m256 und = _mm256_setzero_ps();
                const __m256i vlo = ea_fq8_apply(&flo, alo, flo_c, fhi_c, &und, F), vhi = ea_fq8_apply(&fhi, ahi, flo_c, fhi_c, &und, F);
                if (__builtin_expect(_mm256_movemask_ps(und) == 0, 1)) { dw_put(vlo, vhi, left, dst); continue; }
            }
            __m256i vlo = _mm256_add_epi32(ea_requant8_ls(alo, m_lo, l_lo, r_lo), zp);
            __m256i vhi = _mm256_add_epi32(ea_requant8_ls(ahi, m_hi, l_hi, r_hi), zp);
            vlo = _mm256_min_epi32(_mm256_max_epi32(vlo, lo_c), hi_c);
            vhi = _mm256_min_epi32(_mm256_max_epi32(vhi, lo_c), hi_c);
            dw_put(vlo, vhi, left, dst);
        }
    }
}

// Output rows [oy0, oy1) from the image (read only: threads may share it).
EA_AVX2FMA void ea_dwconv_rows_avx2(const ea_conv_plan *p, const int16_t *img, int8_t *out, int oy0, int oy1) {
    const int TP = (p->s.kernel_h * p->s.kernel_w + 1) / 2;
    const int F = p->rq_fast;
    for (int b = 0; b < p->dw_cp / 16; b++) {
        if (TP == 5) {
            if (F == 1) dw_block(p, img, out, b, oy0, oy1, 5, 1);
            else if (F == 2) dw_block(p, img, out, b, oy0, oy1, 5, 2);
            else dw_block(p, img, out, b, oy0, oy1, 5, 0);
        } else {
            if (F == 1) dw_block(p, img, out, b, oy0, oy1, TP, 1);
            else if (F == 2) dw_block(p, img, out, b, oy0, oy1, TP, 2);
            else dw_block(p, img, out, b, oy0, oy1, TP, 0);
        }
    }
}

EA_AVX2FMA void ea_dwconv_run_avx2(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    int16_t *img = (int16_t *)ea_scratch_image(p, scratch);
    ea_dwconv_image16_rows_avx2(p, in, img, 0, p->dw_hp);
    ea_dwconv_rows_avx2(p, img, out, 0, p->s.out_h);
}
#endif
