// x86-64 AVX-512 VNNI convolution: vpdpbusd multiplies unsigned by signed bytes, so the
// window is stored as u8 = x + 128 (x ^ 0x80) and the bias absorbs the correction:
//   Σ (x − zp)·w = Σ (x + 128)·w − (zp + 128)·Σ w.
// Intermediate sums may wrap; the final sum is the exact value, which the accumulator
// bound keeps inside int32, and two's-complement addition is exact modulo 2^32.
// 16 output channels per vector, EA_PIXELS pixels per pass.
// Packed weights: int8 [Kp/4][Op][4], Kp = K rounded up to 4, Op = out_c rounded up to 16.
#if defined(__x86_64__)
#include "conv_plan.h"
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

int ea_conv_pack_avx512vnni(ea_conv_plan *p) {
    const int K = p->K, O = p->s.out_c;
    p->Kp = (K + 3) & ~3;
    p->Op = (O + 15) & ~15;
    int8_t *w = (int8_t *)calloc((size_t)p->Kp * p->Op, 1);
    p->bias_eff = (int32_t *)calloc((size_t)p->Op, sizeof(int32_t));
    if (!w || !p->bias_eff) { free(w); return 0; }
    for (int t = 0; t < p->Kp / 4; t++)
        for (int o = 0; o < O; o++)
            for (int e = 0; e < 4; e++) {
                int k = 4 * t + e;
                w[((size_t)t * p->Op + o) * 4 + e] = k < K ? p->wref[(size_t)o * K + k] : 0;
            }
    for (int o = 0; o < O; o++) {
        int64_t sum = 0;
        for (int k = 0; k < K; k++) sum += p->wref[(size_t)o * K + k];
        p->bias_eff[o] = (int32_t)((int64_t)p->bias[o] - (int64_t)(p->s.in_zp + 128) * sum);
    }
    p->w = w;
    return 1;
}

__attribute__((target("avx512f,avx512bw,avx512vnni")))
void ea_conv_run_avx512vnni(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    const int P = p->s.out_h * p->s.out_w, OW = p->s.out_w, Kp = p->Kp, Op = p->Op;
    uint8_t *patch = (uint8_t *)scratch;
    int32_t *acc = (int32_t *)((char *)scratch + ((((size_t)EA_PIXELS * Kp * 2) + 63) & ~(size_t)63));
    const int8_t *w = (const int8_t *)p->w;
    const uint8_t pad = (uint8_t)(p->s.in_zp + 128);
    int first = 0;
    for (; first + EA_PIXELS <= P; first += EA_PIXELS) {
        for (int j = 0; j < EA_PIXELS; j++) ea_patch8(p, in, (first + j) / OW, (first + j) % OW, 0x80, pad, patch + (size_t)j * Kp);
        const uint8_t *x0 = patch, *x1 = patch + Kp, *x2 = patch + 2 * Kp, *x3 = patch + 3 * Kp;
        for (int ob = 0; ob < Op; ob += 16) {
            __m512i a0 = _mm512_loadu_si512((const void *)(p->bias_eff + ob));
            __m512i a1 = a0, a2 = a0, a3 = a0;
            for (int t = 0; t < Kp / 4; t++) {
                __m512i wv = _mm512_loadu_si512((const void *)(w + ((size_t)t * Op + ob) * 4));
                int32_t v0, v1, v2, v3;
                memcpy(&v0, x0 + 4 * t, 4); memcpy(&v1, x1 + 4 * t, 4);
                memcpy(&v2, x2 + 4 * t, 4); memcpy(&v3, x3 + 4 * t, 4);
                a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(v0), wv);
                a1 = _mm512_dpbusd_epi32(a1, _mm512_set1_epi32(v1), wv);
                a2 = _mm512_dpbusd_epi32(a2, _mm512_set1_epi32(v2), wv);
                a3 = _mm512_dpbusd_epi32(a3, _mm512_set1_epi32(v3), wv);
            }
            _mm512_storeu_si512((void *)(acc + ob), a0);
            _mm512_storeu_si512((void *)(acc + Op + ob), a1);
            _mm512_storeu_si512((void *)(acc + 2 * Op + ob), a2);
            _mm512_storeu_si512((void *)(acc + 3 * Op + ob), a3);
        }
        ea_conv_store(p, acc, EA_PIXELS, first, out);
    }
    for (; first < P; first++) {
        ea_patch8(p, in, first / OW, first % OW, 0x80, pad, patch);
        for (int ob = 0; ob < Op; ob += 16) {
            __m512i a0 = _mm512_loadu_si512((const void *)(p->bias_eff + ob));
            for (int t = 0; t < Kp / 4; t++) {
                __m512i wv = _mm512_loadu_si512((const void *)(w + ((size_t)t * Op + ob) * 4));
                int32_t v0;
                memcpy(&v0, patch + 4 * t, 4);
                a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(v0), wv);
            }
            _mm512_storeu_si512((void *)(acc + ob), a0);
        }
        ea_conv_store(p, acc, 1, first, out);
    }
}
#endif
