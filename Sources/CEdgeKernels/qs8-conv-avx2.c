// x86-64 AVX2 convolution: the window as int16 (x − zp) and weights as int16 pairs;
// vpmaddwd multiplies 16-bit pairs into exact 32-bit sums (|2·255·127| < 2^31), so unlike
// vpmaddubsw nothing saturates. 8 output channels per vector, EA_PIXELS pixels per pass.
// Packed weights: int16 [Kp/2][Op][2], Kp = K rounded up to 2, Op = out_c rounded up to 8.
#if defined(__x86_64__)
#include "conv_plan.h"
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

int ea_conv_pack_avx2(ea_conv_plan *p) {
    const int K = p->K, O = p->s.out_c;
    p->Kp = (K + 1) & ~1;
    p->Op = (O + 7) & ~7;
    int16_t *w = (int16_t *)calloc((size_t)p->Kp * p->Op, sizeof(int16_t));
    p->bias_eff = (int32_t *)calloc((size_t)p->Op, sizeof(int32_t));
    if (!w || !p->bias_eff) { free(w); return 0; }
    for (int t = 0; t < p->Kp / 2; t++)
        for (int o = 0; o < O; o++)
            for (int e = 0; e < 2; e++) {
                int k = 2 * t + e;
                w[((size_t)t * p->Op + o) * 2 + e] = k < K ? p->wref[(size_t)o * K + k] : 0;
            }
    for (int o = 0; o < O; o++) p->bias_eff[o] = p->bias[o];
    p->w = w;
    return 1;
}

__attribute__((target("avx2")))
void ea_conv_run_avx2(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    const int P = p->s.out_h * p->s.out_w, OW = p->s.out_w, Kp = p->Kp, Op = p->Op;
    int16_t *patch = (int16_t *)scratch;
    int32_t *acc = (int32_t *)((char *)scratch + ((((size_t)EA_PIXELS * Kp * 2) + 63) & ~(size_t)63));
    const int16_t *w = (const int16_t *)p->w;
    int first = 0;
    for (; first + EA_PIXELS <= P; first += EA_PIXELS) {
        for (int j = 0; j < EA_PIXELS; j++) ea_patch16(p, in, (first + j) / OW, (first + j) % OW, patch + (size_t)j * Kp);
        const int16_t *x0 = patch, *x1 = patch + Kp, *x2 = patch + 2 * Kp, *x3 = patch + 3 * Kp;
        for (int ob = 0; ob < Op; ob += 8) {
            __m256i a0 = _mm256_loadu_si256((const __m256i *)(p->bias_eff + ob));
            __m256i a1 = a0, a2 = a0, a3 = a0;
            for (int t = 0; t < Kp / 2; t++) {
                __m256i wv = _mm256_loadu_si256((const __m256i *)(w + ((size_t)t * Op + ob) * 2));
                int32_t v0, v1, v2, v3;
                memcpy(&v0, x0 + 2 * t, 4); memcpy(&v1, x1 + 2 * t, 4);
                memcpy(&v2, x2 + 2 * t, 4); memcpy(&v3, x3 + 2 * t, 4);
                a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_set1_epi32(v0), wv));
                a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_set1_epi32(v1), wv));
                a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_set1_epi32(v2), wv));
                a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_set1_epi32(v3), wv));
            }
            _mm256_storeu_si256((__m256i *)(acc + ob), a0);
            _mm256_storeu_si256((__m256i *)(acc + Op + ob), a1);
            _mm256_storeu_si256((__m256i *)(acc + 2 * Op + ob), a2);
            _mm256_storeu_si256((__m256i *)(acc + 3 * Op + ob), a3);
        }
        ea_conv_store(p, acc, EA_PIXELS, first, out);
    }
    for (; first < P; first++) {
        ea_patch16(p, in, first / OW, first % OW, patch);
        for (int ob = 0; ob < Op; ob += 8) {
            __m256i a0 = _mm256_loadu_si256((const __m256i *)(p->bias_eff + ob));
            for (int t = 0; t < Kp / 2; t++) {
                __m256i wv = _mm256_loadu_si256((const __m256i *)(w + ((size_t)t * Op + ob) * 2));
                int32_t v0;
                memcpy(&v0, patch + 2 * t, 4);
                a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_set1_epi32(v0), wv));
            }
            _mm256_storeu_si256((__m256i *)(acc + ob), a0);
        }
        ea_conv_store(p, acc, 1, first, out);
    }
}

__attribute__((target("avx2")))
void ea_maxpool_avx2(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out) {
    (void)h;
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
            int8_t *dst = out + ((size_t)oy * ow + ox) * c;
            int ch = 0;
            for (; ch + 32 <= c; ch += 32) {
                __m256i m = _mm256_set1_epi8(-128);
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                        m = _mm256_max_epi8(m, _mm256_loadu_si256((const __m256i *)(in + ((size_t)(oy * stride + ky) * w + ox * stride + kx) * c + ch)));
                _mm256_storeu_si256((__m256i *)(dst + ch), m);
            }
            for (; ch + 16 <= c; ch += 16) {
                __m128i m = _mm_set1_epi8(-128);
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                        m = _mm_max_epi8(m, _mm_loadu_si128((const __m128i *)(in + ((size_t)(oy * stride + ky) * w + ox * stride + kx) * c + ch)));
                _mm_storeu_si128((__m128i *)(dst + ch), m);
            }
            for (; ch < c; ch++) {
                int8_t m = -128;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        int8_t v = in[((size_t)(oy * stride + ky) * w + ox * stride + kx) * c + ch];
                        if (v > m) m = v;
                    }
                dst[ch] = m;
            }
        }
}

static inline int32_t div_round_away(int32_t sum, int32_t count) {
    return sum >= 0 ? (sum + count / 2) / count : -((-sum + count / 2) / count);
}

__attribute__((target("avx2")))
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
                for (int e = 0; e < 8; e++) dst[ch + e] = (int8_t)div_round_away(sums[e], count);
            }
            for (; ch < c; ch++) {
                int32_t s = 0;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) s += in[((size_t)(oy * stride + ky) * w + ox * stride + kx) * c + ch];
                dst[ch] = (int8_t)div_round_away(s, count);
            }
        }
}
#endif
