// x86-64 AVX-512 VNNI + VBMI convolution with output pixels in the lanes, for thin inputs
// (a grayscale or RGB first layer: in_c·kw bytes per kernel row). The channels-in-lanes
// tiles of avx512vnni.c spend a broadcast per 4 input bytes and fill few lanes when out_c
// is small (LeNet's 6); here one 64-byte load of an image row and one vpermb give the
// 4-byte windows of 16 consecutive output pixels, and each output channel's 4 weights are
// an embedded broadcast of vpdpbusd (the signed operand). Each channel's accumulator holds
// 16 pixels; requantisation is per channel (all lanes share its constants, the same
// one-rounding form as x86_requant.h), then a byte permutation turns [channel][pixel]
// into the HWC [pixel][channel] output.
// Taken when VBMI exists, out_c ≤ 16 and lane 15's window fits the load:
// 15·stride_w·in_c + R ≤ 64 (R = kw·in_c rounded up to 4). Weights [kh][R/4][16][4].
#if defined(__x86_64__)
#include "conv_plan.h"
#include "x86_requant.h"
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

int ea_conv_lanes_pack_avx512(ea_conv_plan *p) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, O = s->out_c, run = s->kernel_w * C, R = (run + 3) & ~3, G = R / 4;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512vbmi") || O > 16 || G > 4 || 15 * s->stride_w * C + R > 64) return 1;
    p->lw = (int8_t *)calloc((size_t)s->kernel_h * G * 64, 1);
    p->lidx = (uint8_t *)malloc((size_t)(4 + G) * 64);
    if (!p->lw || !p->lidx) return 0;
    for (int ky = 0; ky < s->kernel_h; ky++)
        for (int g = 0; g < G; g++)
            for (int o = 0; o < O; o++)
                for (int e = 0; e < 4; e++) {
                    int j = 4 * g + e;
                    p->lw[((ky * G + g) * 16 + o) * 4 + e] = j < run ? p->wref[(size_t)o * p->K + ky * run + j] : 0;
                }
    // Output byte n of a 16-pixel group is pixel n / O, channel n % O, which the packed
    // sources hold at channel·16 + pixel (channels 0–7 in the first 128 bytes).
    for (int c = 0; c < 4; c++) {
        p->lhi[c] = 0;
        for (int k = 0; k < 64; k++) {
            int n = 64 * c + k, i = n / O, o = n % O;
            p->lidx[c * 64 + k] = (uint8_t)(((o & 7) * 16 + i) & 127);
            if (n < 16 * O && o >= 8) p->lhi[c] |= 1ull << k;
        }
    }
    // Group g's window: lane i, byte j is the row's byte stride_w·in_c·i + 4g + j.
    for (int g = 0; g < G; g++)
        for (int k = 0; k < 64; k++) p->lidx[(4 + g) * 64 + k] = (uint8_t)(s->stride_w * C * (k >> 2) + 4 * g + (k & 3));
    for (int o = 0; o < O; o++) {
        const int r = p->rshift_p[o];
        p->lq[o][0] = (int64_t)(uint32_t)p->mult_p[o];
        p->lq[o][1] = (1ll << 30) + (r ? (1ll << (30 + r)) : 0);
        p->lq[o][2] = p->lq[o][1] - (r ? (1ll << 31) : 0);
        p->lq[o][3] = 31 + r;
    }
    p->lanes = 1;
    return 1;
}

#define LANES __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi")))

// Requantises channel o's 16 pixels and returns the int8 results in the low 16 bytes.
LANES static inline __m128i requant_channel(const ea_conv_plan *p, __m512i acc, int o) {
    ea_rq16 q;
    if (p->rq_lshift) acc = _mm512_sll_epi32(acc, _mm_cvtsi32_si128(p->lshift_p[o]));
    q.m = q.mo = _mm512_set1_epi64(p->lq[o][0]);
    q.cpe = q.cpo = _mm512_set1_epi64(p->lq[o][1]);
    q.cne = q.cno = _mm512_set1_epi64(p->lq[o][2]);
    q.se = q.so = _mm512_set1_epi64(p->lq[o][3]);
    __m512i v = _mm512_add_epi32(ea_rq16_apply(&q, acc), _mm512_set1_epi32(p->s.out_zp));
    v = _mm512_min_epi32(_mm512_max_epi32(v, _mm512_set1_epi32(p->s.act_min)), _mm512_set1_epi32(p->s.act_max));
    return _mm512_cvtsepi32_epi8(v);
}

// Named accumulators (an array of vectors would live in memory, see avx512vnni.c); OB is
// 8 or 16 channels, the packed weights being zero past out_c.
#define L_INIT(o) __m512i a##o = _mm512_set1_epi32(OB > o && o < O ? p->bias_eff[o] : 0);
#define L_STEP(o) if (OB > o) { int32_t wv; memcpy(&wv, wk + 4 * o, 4); a##o = _mm512_dpbusd_epi32(a##o, x, _mm512_set1_epi32(wv)); }
#define L_PACK(o) if (OB > o && o < O) src##o##_ = requant_channel(p, a##o, o);
#define L_ALL(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)
#define L_ZERO(o) __m128i src##o##_ = _mm_setzero_si128();

// One group of up to 16 output pixels of row oy from column ox0 (n of them stored).
LANES static inline __attribute__((always_inline)) void group(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int oy, int ox0,
                                                              int n, const int OB, int8_t *out) {
    const ea_conv_shape *s = &p->s;
    const int O = s->out_c, G = (s->kernel_w * s->in_c + 3) / 4;
    L_ALL(L_INIT)
    const int8_t *wk = p->lw;
    for (int ky = 0; ky < s->kernel_h; ky++) {
        const uint8_t *r = img + (size_t)(oy * s->stride_h + ky) * rowBytes + (size_t)ox0 * s->stride_w * s->in_c;
        const __m512i row = _mm512_loadu_si512((const void *)r);
        for (int g = 0; g < G; g++, wk += 64) {
            const __m512i x = _mm512_permutexvar_epi8(_mm512_loadu_si512((const void *)(p->lidx + (4 + g) * 64)), row);
            L_ALL(L_STEP)
        }
    }
    L_ALL(L_ZERO)
    L_ALL(L_PACK)
    __m512i src[4];
    src[0] = _mm512_inserti32x4(_mm512_inserti32x4(_mm512_inserti32x4(_mm512_castsi128_si512(src0_), src1_, 1), src2_, 2), src3_, 3);
    src[1] = _mm512_inserti32x4(_mm512_inserti32x4(_mm512_inserti32x4(_mm512_castsi128_si512(src4_), src5_, 1), src6_, 2), src7_, 3);
    src[2] = _mm512_inserti32x4(_mm512_inserti32x4(_mm512_inserti32x4(_mm512_castsi128_si512(src8_), src9_, 1), src10_, 2), src11_, 3);
    src[3] = _mm512_inserti32x4(_mm512_inserti32x4(_mm512_inserti32x4(_mm512_castsi128_si512(src12_), src13_, 1), src14_, 2), src15_, 3);
    int8_t *dst = out + ((size_t)oy * s->out_w + ox0) * O;
    const int bytes = n * O;
    for (int c = 0; c * 64 < bytes; c++) {
        const __m512i idx = _mm512_loadu_si512((const void *)(p->lidx + 64 * c));
        __m512i v = _mm512_permutex2var_epi8(src[0], idx, src[1]);
        if (p->lhi[c]) v = _mm512_mask_blend_epi8((__mmask64)p->lhi[c], v, _mm512_permutex2var_epi8(src[2], idx, src[3]));
        const int left = bytes - 64 * c;
        _mm512_mask_storeu_epi8(dst + 64 * c, left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1), v);
    }
}

LANES void ea_conv_lanes_run_avx512(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int8_t *out) {
    const ea_conv_shape *s = &p->s;
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox += 16) {
            const int n = s->out_w - ox < 16 ? s->out_w - ox : 16;
            if (s->out_c <= 8) group(p, img, rowBytes, oy, ox, n, 8, out);
            else group(p, img, rowBytes, oy, ox, n, 16, out);
        }
}
#endif
