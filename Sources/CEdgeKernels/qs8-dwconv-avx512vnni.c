// x86-64 AVX-512 VNNI depthwise convolution, depth multiplier 1, any kernel/stride per
// axis and any padding: 32 channels per block, taps in pairs by vpdpwssd (int16 pairs
// multiplied and added to int32 lanes in one instruction, non-saturating; lane order and
// the exactness argument in qs8-dwconv-x86-pack.c); requantisation in registers (16 lanes
// × 2), narrowing with vpmovswb and a masked store for the last block.
#if defined(__x86_64__)
#include "conv_plan.h"
#include "x86_requant.h"
#include <immintrin.h>
#include <string.h>

EA_AVX512 static void dw_image16_512(const ea_conv_plan *p, const int8_t *in, int16_t *img) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, Cp = p->dw_cp;
    const __m512i zp = _mm512_set1_epi16((short)s->in_zp);
    const size_t rowElems = (size_t)p->dw_wp * Cp;
    // Only the border rows, border columns and spare channels need zeroing; when every
    // pixel is rewritten (C = Cp) the interior is skipped.
    if (C != Cp) {
        memset(img, 0, (size_t)p->dw_hp * rowElems * sizeof(int16_t) + 64);
    } else {
        memset(img, 0, (size_t)s->pad_top * rowElems * sizeof(int16_t));
        for (int y = s->pad_top + s->in_h; y < p->dw_hp; y++) memset(img + (size_t)y * rowElems, 0, rowElems * sizeof(int16_t));
        memset(img + (size_t)p->dw_hp * rowElems, 0, 64);
        for (int y = 0; y < s->in_h; y++) {
            int16_t *row = img + (size_t)(y + s->pad_top) * rowElems;
            memset(row, 0, (size_t)s->pad_left * Cp * sizeof(int16_t));
            int right = p->dw_wp - s->pad_left - s->in_w;
            memset(row + (size_t)(s->pad_left + s->in_w) * Cp, 0, (size_t)right * Cp * sizeof(int16_t));
        }
    }
    for (int y = 0; y < s->in_h; y++)
        for (int x = 0; x < s->in_w; x++) {
            const int8_t *src = in + ((size_t)y * s->in_w + x) * C;
            int16_t *dst = img + (size_t)(y + s->pad_top) * rowElems + (size_t)(x + s->pad_left) * Cp;
            int c = 0;
            for (; c + 32 <= C; c += 32)
                _mm512_storeu_si512((void *)(dst + c), _mm512_sub_epi16(_mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(src + c))), zp));
            if (c < C) {
                __mmask32 m = (__mmask32)((1ull << (C - c)) - 1);
                __m512i v = _mm512_sub_epi16(_mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, src + c)), zp);
                _mm512_mask_storeu_epi16(dst + c, m, v);
            }
        }
}

EA_AVX512 void ea_dwconv_run_avx512(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, Cp = p->dw_cp, BW = 32, blocks = Cp / BW;
    const int TP = (s->kernel_h * s->kernel_w + 1) / 2;
    int16_t *img = (int16_t *)ea_scratch_image(p, scratch);
    dw_image16_512(p, in, img);
    const int16_t *wbase = (const int16_t *)p->w;
    const int32_t *tap = p->dw_tap;
    const __m512i zp = _mm512_set1_epi32(s->out_zp), lo_c = _mm512_set1_epi32(s->act_min), hi_c = _mm512_set1_epi32(s->act_max);
    for (int b = 0; b < blocks; b++) {
        const int lane = b * BW;
        const __m512i bias_lo = _mm512_loadu_si512((const void *)(p->bias_eff + lane));
        const __m512i bias_hi = _mm512_loadu_si512((const void *)(p->bias_eff + lane + 16));
        const __m512i m_lo = _mm512_loadu_si512((const void *)(p->mult_p + lane)), m_hi = _mm512_loadu_si512((const void *)(p->mult_p + lane + 16));
        const __m512i l_lo = _mm512_loadu_si512((const void *)(p->lshift_p + lane)), l_hi = _mm512_loadu_si512((const void *)(p->lshift_p + lane + 16));
        const __m512i r_lo = _mm512_loadu_si512((const void *)(p->rshift_p + lane)), r_hi = _mm512_loadu_si512((const void *)(p->rshift_p + lane + 16));
        const int left = C - lane;
        const __mmask32 store = left >= 32 ? (__mmask32)0xFFFFFFFFu : (__mmask32)((1u << left) - 1);
        const int16_t *wb = wbase + (size_t)b * TP * 2 * BW;
        for (int oy = 0; oy < s->out_h; oy++)
            for (int ox = 0; ox < s->out_w; ox++) {
                const int16_t *xb = img + ((size_t)(oy * s->stride_h) * p->dw_wp + (size_t)ox * s->stride_w) * Cp + lane;
                __m512i alo = bias_lo, ahi = bias_hi;
                const int16_t *wk = wb;
                for (int t = 0; t < TP; t++, wk += 2 * BW) {
                    __m512i A = _mm512_loadu_si512((const void *)(xb + tap[2 * t]));
                    __m512i B = _mm512_loadu_si512((const void *)(xb + tap[2 * t + 1]));
                    alo = _mm512_dpwssd_epi32(alo, _mm512_unpacklo_epi16(A, B), _mm512_loadu_si512((const void *)wk));
                    ahi = _mm512_dpwssd_epi32(ahi, _mm512_unpackhi_epi16(A, B), _mm512_loadu_si512((const void *)(wk + BW)));
                }
                __m512i vlo = _mm512_add_epi32(ea_requant16_ls(alo, m_lo, l_lo, r_lo), zp);
                __m512i vhi = _mm512_add_epi32(ea_requant16_ls(ahi, m_hi, l_hi, r_hi), zp);
                vlo = _mm512_min_epi32(_mm512_max_epi32(vlo, lo_c), hi_c);
                vhi = _mm512_min_epi32(_mm512_max_epi32(vhi, lo_c), hi_c);
                // packs_epi32 undoes the unpack order; values are already in [-128, 127].
                __m256i v8 = _mm512_cvtsepi16_epi8(_mm512_packs_epi32(vlo, vhi));
                _mm256_mask_storeu_epi8(out + ((size_t)oy * s->out_w + ox) * C + lane, store, v8);
            }
    }
}
#endif
