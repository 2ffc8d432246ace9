// x86-64 AVX2 depthwise convolution, depth multiplier 1, any kernel/stride per axis and
// any padding: 16 channels per block, taps taken in pairs by vpmaddwd (lane order and the
// exactness argument in qs8-dwconv-x86-pack.c); requantisation in registers (8 lanes × 2).
// The input is converted once per call to a zero-padded int16 image x − zp whose channel
// stride is C rounded up to 16 (padding and spare channels hold 0, the real 0).
#if defined(__x86_64__)
#include "conv_plan.h"
#include "x86_requant.h"
#include <immintrin.h>
#include <string.h>

// Converts `in` into the padded centred int16 image (shared with the AVX-512 file's layout).
EA_AVX2 static void dw_image16(const ea_conv_plan *p, const int8_t *in, int16_t *img) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, Cp = p->dw_cp;
    memset(img, 0, (size_t)p->dw_hp * p->dw_wp * Cp * sizeof(int16_t) + 64);
    const __m256i zp = _mm256_set1_epi16((short)s->in_zp);
    for (int y = 0; y < s->in_h; y++)
        for (int x = 0; x < s->in_w; x++) {
            const int8_t *src = in + ((size_t)y * s->in_w + x) * C;
            int16_t *dst = img + ((size_t)(y + s->pad_top) * p->dw_wp + x + s->pad_left) * Cp;
            int c = 0;
            for (; c + 16 <= C; c += 16)
                _mm256_storeu_si256((__m256i *)(dst + c), _mm256_sub_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(src + c))), zp));
            for (; c < C; c++) dst[c] = (int16_t)(src[c] - s->in_zp);
        }
}

EA_AVX2 void ea_dwconv_run_avx2(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, Cp = p->dw_cp, BW = 16, blocks = Cp / BW;
    const int TP = (s->kernel_h * s->kernel_w + 1) / 2;
    int16_t *img = (int16_t *)ea_scratch_image(p, scratch);
    dw_image16(p, in, img);
    const int16_t *wbase = (const int16_t *)p->w;
    const int32_t *tap = p->dw_tap;
    const __m256i zp = _mm256_set1_epi32(s->out_zp), lo_c = _mm256_set1_epi32(s->act_min), hi_c = _mm256_set1_epi32(s->act_max);
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox++) {
            const int16_t *base = img + ((size_t)(oy * s->stride_h) * p->dw_wp + (size_t)ox * s->stride_w) * Cp;
            int8_t *dst = out + ((size_t)oy * s->out_w + ox) * C;
            for (int b = 0; b < blocks; b++) {
                const int lane = b * BW;
                __m256i alo = _mm256_loadu_si256((const __m256i *)(p->bias_eff + lane));
                __m256i ahi = _mm256_loadu_si256((const __m256i *)(p->bias_eff + lane + 8));
                const int16_t *wk = wbase + (size_t)b * TP * 2 * BW;
                const int16_t *xb = base + lane;
                for (int t = 0; t < TP; t++, wk += 2 * BW) {
                    __m256i A = _mm256_loadu_si256((const __m256i *)(xb + tap[2 * t]));
                    __m256i B = _mm256_loadu_si256((const __m256i *)(xb + tap[2 * t + 1]));
                    alo = _mm256_add_epi32(alo, _mm256_madd_epi16(_mm256_unpacklo_epi16(A, B), _mm256_loadu_si256((const __m256i *)wk)));
                    ahi = _mm256_add_epi32(ahi, _mm256_madd_epi16(_mm256_unpackhi_epi16(A, B), _mm256_loadu_si256((const __m256i *)(wk + BW))));
                }
                __m256i vlo = ea_requant8_ls(alo, _mm256_loadu_si256((const __m256i *)(p->mult_p + lane)),
                                             _mm256_loadu_si256((const __m256i *)(p->lshift_p + lane)),
                                             _mm256_loadu_si256((const __m256i *)(p->rshift_p + lane)));
                __m256i vhi = ea_requant8_ls(ahi, _mm256_loadu_si256((const __m256i *)(p->mult_p + lane + 8)),
                                             _mm256_loadu_si256((const __m256i *)(p->lshift_p + lane + 8)),
                                             _mm256_loadu_si256((const __m256i *)(p->rshift_p + lane + 8)));
                vlo = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(vlo, zp), lo_c), hi_c);
                vhi = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(vhi, zp), lo_c), hi_c);
                // packs_epi32 undoes the unpack order: 128-bit lane L holds channels 8L…8L+7.
                __m256i v16 = _mm256_packs_epi32(vlo, vhi);
                __m256i v8 = _mm256_permute4x64_epi64(_mm256_packs_epi16(v16, v16), 0xD8);
                int left = C - lane;
                if (left >= 16) {
                    _mm_storeu_si128((__m128i *)(dst + lane), _mm256_castsi256_si128(v8));
                } else {
                    int8_t tmp[16];
                    _mm_storeu_si128((__m128i *)tmp, _mm256_castsi256_si128(v8));
                    memcpy(dst + lane, tmp, (size_t)left);
                }
            }
        }
}
#endif
