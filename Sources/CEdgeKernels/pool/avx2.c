// x86-64 AVX2 pooling, also taken on AVX-512 machines: the trainer's square windows, then
// TFLite's clipped windows (the rules of pool/scalar.c). Clipped windows: the window bounds are computed once per output pixel, then channels go 32 (max, int8
// lanes) or 16 (average, int16 sums) at a time. Average: |Σ| ≤ 128·15·15 = 28800 fits
// int16; the half-away-from-zero division (Σ ± n/2)/n, truncated, is done in binary32:
// numerator and n are integers below 2^24, so the quotient is correctly rounded (exact when
// it is an integer, in particular for n = 1); for n ≥ 2 it is below 2^14, so its rounding
// error is below 2^-10, while a non-integer quotient lies ≥ 1/n ≥ 1/225 from an integer:
// truncation gives C's integer division exactly.
#if defined(__x86_64__)
#include "conv_plan.h"
#include "x86_requant.h"
#include <immintrin.h>
#include <string.h>

// Max pool in two passes per output row: a vertical max over the k input rows (whole
// contiguous rows of w·c bytes, 32 at a time), then a horizontal max over each window's
// k columns (vectorised over channels when c ≥ 16). Small channel counts (LeNet's 6) thus
// still get most of their work done in vectors.
EA_AVX2 void ea_maxpool_avx2(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out) {
    (void)h;
    int8_t row[16384];
    const size_t rl = (size_t)w * c;
    if (rl > sizeof(row)) { ea_qs8_maxpool_ref(h, w, c, k, stride, oh, ow, in, out); return; }
    for (int oy = 0; oy < oh; oy++) {
        const int8_t *r0 = in + (size_t)(oy * stride) * rl;
        size_t i = 0;
        for (; i + 32 <= rl; i += 32) {
            __m256i m = _mm256_loadu_si256((const __m256i *)(r0 + i));
            for (int ky = 1; ky < k; ky++) m = _mm256_max_epi8(m, _mm256_loadu_si256((const __m256i *)(r0 + (size_t)ky * rl + i)));
            _mm256_storeu_si256((__m256i *)(row + i), m);
        }
        for (; i < rl; i++) {
            int8_t m = r0[i];
            for (int ky = 1; ky < k; ky++) if (r0[(size_t)ky * rl + i] > m) m = r0[(size_t)ky * rl + i];
            row[i] = m;
        }
        int8_t *dst = out + (size_t)oy * ow * c;
        if (c >= 16) {
            for (int ox = 0; ox < ow; ox++) {
                const int8_t *src = row + (size_t)(ox * stride) * c;
                int ch = 0;
                for (; ch + 16 <= c; ch += 16) {
                    __m128i m = _mm_loadu_si128((const __m128i *)(src + ch));
                    for (int kx = 1; kx < k; kx++) m = _mm_max_epi8(m, _mm_loadu_si128((const __m128i *)(src + (size_t)kx * c + ch)));
                    _mm_storeu_si128((__m128i *)(dst + (size_t)ox * c + ch), m);
                }
                for (; ch < c; ch++) {
                    int8_t m = src[ch];
                    for (int kx = 1; kx < k; kx++) if (src[(size_t)kx * c + ch] > m) m = src[(size_t)kx * c + ch];
                    dst[(size_t)ox * c + ch] = m;
                }
            }
        } else {
            // Few channels: max of the row with itself shifted by c, 2c, … (vectorised over the
            // whole row), then pick each window's first c bytes.
            int8_t hm[16384];
            const size_t span = (size_t)((ow - 1) * stride) * c + (size_t)c;
            size_t j = 0;
            for (; j + 32 <= span; j += 32) {
                __m256i m = _mm256_loadu_si256((const __m256i *)(row + j));
                for (int kx = 1; kx < k; kx++) m = _mm256_max_epi8(m, _mm256_loadu_si256((const __m256i *)(row + j + (size_t)kx * c)));
                _mm256_storeu_si256((__m256i *)(hm + j), m);
            }
            for (; j < span; j++) {
                int8_t m = row[j];
                for (int kx = 1; kx < k; kx++) if (row[j + (size_t)kx * c] > m) m = row[j + (size_t)kx * c];
                hm[j] = m;
            }
            for (int ox = 0; ox < ow; ox++)
                for (int ch = 0; ch < c; ch++) dst[(size_t)ox * c + ch] = hm[(size_t)(ox * stride) * c + ch];
        }
    }
}

EA_AVX2
void ea_avgpool_avx2(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out) {
    (void)h;
    const int count = k * k;
    int32_t sums[8];
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
            int8_t *dst = out + ((size_t)oy * ow + ox) * c;
            int ch = 0;
            for (; ch + 8 <= c; ch += 8) {
                __m256i s = _mm256_setzero_si256();
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                        s = _mm256_add_epi32(s, _mm256_cvtepi8_epi32(_mm_loadl_epi64(
                                (const __m128i *)(in + ((size_t)(oy * stride + ky) * w + ox * stride + kx) * c + ch))));
                _mm256_storeu_si256((__m256i *)sums, s);
                for (int e = 0; e < 8; e++) dst[ch + e] = (int8_t)ea_div_round_away(sums[e], count);
            }
            ea_avgpool_tail(w, c, k, stride, oy, ox, ch, in, dst);
        }
}

// TFLite pooling windows.

// Clipped window of output (oy, ox): rows [*ky0, *ky1), columns [*kx0, *kx1) of the kernel.
static inline void window(const ea_pool_shape *s, int oy, int ox, int *y0, int *x0, int *ky0, int *ky1, int *kx0, int *kx1) {
    *y0 = oy * s->stride_h - s->pad_top; *x0 = ox * s->stride_w - s->pad_left;
    *ky0 = *y0 < 0 ? -*y0 : 0; *kx0 = *x0 < 0 ? -*x0 : 0;
    *ky1 = s->kernel_h < s->in_h - *y0 ? s->kernel_h : s->in_h - *y0;
    *kx1 = s->kernel_w < s->in_w - *x0 ? s->kernel_w : s->in_w - *x0;
}

EA_AVX2 void ea_maxpool2_avx2(const ea_pool_shape *s, const int8_t *in, int8_t *out) {
    const int C = s->c;
    const __m256i lo = _mm256_set1_epi8((char)s->act_min), hi = _mm256_set1_epi8((char)s->act_max);
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox++) {
            int y0, x0, ky0, ky1, kx0, kx1;
            window(s, oy, ox, &y0, &x0, &ky0, &ky1, &kx0, &kx1);
            int8_t *dst = out + ((size_t)oy * s->out_w + ox) * C;
            int ch = 0;
            for (; ch + 32 <= C; ch += 32) {
                __m256i m = _mm256_set1_epi8(-128);
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++)
                        m = _mm256_max_epi8(m, _mm256_loadu_si256((const __m256i *)(in + ((size_t)(y0 + ky) * s->in_w + x0 + kx) * C + ch)));
                _mm256_storeu_si256((__m256i *)(dst + ch), _mm256_min_epi8(_mm256_max_epi8(m, lo), hi));
            }
            for (; ch < C; ch++) {
                int32_t m = -128;
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++) {
                        int32_t v = in[((size_t)(y0 + ky) * s->in_w + x0 + kx) * C + ch];
                        if (v > m) m = v;
                    }
                dst[ch] = ea_clamp8(m, s->act_min, s->act_max);
            }
        }
}

// (Σ ± n/2) / n truncated, 8 lanes, as described above.
EA_AVX2 static inline __m256i div_round_away8(__m256i sum, __m256 n, __m256i half) {
    __m256i neg = _mm256_cmpgt_epi32(_mm256_setzero_si256(), sum);
    __m256i num = _mm256_add_epi32(sum, _mm256_sub_epi32(_mm256_xor_si256(half, neg), neg));  // sum + (sum < 0 ? −half : half)
    // sum = 0 gives (0 + n/2)/n = 0 like TFLite's (0 − n/2)/n.
    return _mm256_cvttps_epi32(_mm256_div_ps(_mm256_cvtepi32_ps(num), n));
}

EA_AVX2 void ea_avgpool2_avx2(const ea_pool_shape *s, const int8_t *in, int8_t *out) {
    const int C = s->c;
    const __m256i lo = _mm256_set1_epi32(s->act_min), hi = _mm256_set1_epi32(s->act_max);
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox++) {
            int y0, x0, ky0, ky1, kx0, kx1;
            window(s, oy, ox, &y0, &x0, &ky0, &ky1, &kx0, &kx1);
            const int32_t cnt = (ky1 - ky0) * (kx1 - kx0);
            const __m256 n = _mm256_set1_ps((float)cnt);
            const __m256i half = _mm256_set1_epi32(cnt / 2);
            int8_t *dst = out + ((size_t)oy * s->out_w + ox) * C;
            int ch = 0;
            for (; ch + 16 <= C; ch += 16) {
                __m256i acc = _mm256_setzero_si256();
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++)
                        acc = _mm256_add_epi16(acc, _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(in + ((size_t)(y0 + ky) * s->in_w + x0 + kx) * C + ch))));
                __m256i a = div_round_away8(_mm256_cvtepi16_epi32(_mm256_castsi256_si128(acc)), n, half);
                __m256i b = div_round_away8(_mm256_cvtepi16_epi32(_mm256_extracti128_si256(acc, 1)), n, half);
                a = _mm256_min_epi32(_mm256_max_epi32(a, lo), hi);
                b = _mm256_min_epi32(_mm256_max_epi32(b, lo), hi);
                __m256i v16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
                __m128i v8 = _mm_packs_epi16(_mm256_castsi256_si128(v16), _mm256_extracti128_si256(v16, 1));
                _mm_storeu_si128((__m128i *)(dst + ch), v8);
            }
            for (; ch < C; ch++) {
                int32_t acc = 0;
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++) acc += in[((size_t)(y0 + ky) * s->in_w + x0 + kx) * C + ch];
                acc = acc > 0 ? (acc + cnt / 2) / cnt : (acc - cnt / 2) / cnt;
                dst[ch] = ea_clamp8(acc, s->act_min, s->act_max);
            }
        }
}
#endif
