// x86-64 AVX-512 VNNI + VBMI convolution with output pixels in the lanes, for thin inputs
// (a grayscale or RGB first layer: in_c·kw bytes per kernel row). The channels-in-lanes
// tiles of avx512vnni.c spend a broadcast per 4 input bytes and fill few lanes when out_c
// is small (LeNet's 6); here 64-byte loads of two image rows and one vpermt2b give a
// 4-byte group of the windows of 16 consecutive output pixels, and each output channel's 4 weights are
// an embedded broadcast of vpdpbusd (the signed operand). Each channel's accumulator holds
// 16 pixels; requantisation is per channel (all lanes share its constants, the same
// one-rounding form as x86_requant.h), then a byte permutation turns [channel][pixel]
// into the HWC [pixel][channel] output.
// Taken when VBMI exists, out_c ≤ 16, at most 16 groups of 4 window bytes and lane 15's
// window fits the load: 15·stride_w·in_c + R ≤ 64 (R = kw·in_c rounded up to 4).
// Weights [G][16][4].
#if defined(__x86_64__)
#include "conv_plan.h"
#include "x86_requant.h"
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

// The window's kh·run bytes (run = kw·in_c per kernel row) in groups of 4. With run ≥ 3
// the groups run across kernel rows (a group then spans two rows: LeNet's 5×5 is 7 groups
// instead of 10 of mostly padding); shorter rows are grouped row by row.
int ea_conv_lanes_pack_avx512(ea_conv_plan *p) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, O = s->out_c, kh = s->kernel_h, run = s->kernel_w * C, step = s->stride_w * C;
    const int flat = run >= 3, per_row = (run + 3) / 4, G = flat ? (kh * run + 3) / 4 : kh * per_row;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512vbmi") || O > 16 || G > 16 || 15 * step + ((run + 3) & ~3) > 64) return 1;
    p->lw = (int8_t *)ea_calloc64((size_t)G * 64, 1);
    p->lidx = (uint8_t *)ea_calloc64((size_t)(4 + G) * 64, 1);
    if (!p->lw || !p->lidx) return 0;
    for (int g = 0; g < G; g++) {
        // Window bytes f of this group: flattened index ky·run + j.
        const int ky0 = flat ? 4 * g / run : g / per_row;
        int ky1 = ky0;
        for (int e = 0; e < 4; e++) {
            int f = flat ? 4 * g + e : ky0 * run + 4 * (g % per_row) + e;
            int ky = f / run, j = f % run;
            int inside = flat ? f < kh * run : 4 * (g % per_row) + e < run;
            if (!inside) continue;
            if (ky != ky0) ky1 = ky;
            for (int o = 0; o < O; o++) p->lw[(g * 16 + o) * 4 + e] = p->wref[(size_t)o * p->K + f];
            for (int i = 0; i < 16; i++) p->lidx[(4 + g) * 64 + 4 * i + e] = (uint8_t)((ky != ky0 ? 64 : 0) + step * i + j);
        }
        p->lrow[g][0] = (uint8_t)ky0;
        p->lrow[g][1] = (uint8_t)ky1;
    }
    p->lgroups = G;
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
    for (int o = 0; o < O; o++) {
        const int r = p->rshift_p[o];
        p->lq[o][0] = (int64_t)(uint32_t)p->mult_p[o];
        p->lq[o][1] = (1ll << 30) + (r ? (1ll << (30 + r)) : 0) + (p->rq_zp ? (int64_t)p->s.out_zp * ((int64_t)1 << (31 + r)) : 0);
        p->lq[o][2] = p->lq[o][1] - (r ? (1ll << 31) : 0);
        p->lq[o][3] = 31 + r;
    }
    p->lanes = 1;
    return 1;
}

#define LANES __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi")))

// Requantises channel o's 16 pixels and returns the int8 results in the low 16 bytes.
LANES static inline __m128i requant_channel(const ea_conv_plan *p, const ea_out16 *os, __m512i acc, int o) {
    ea_rq16 q;
    q.m = q.mo = _mm512_set1_epi64(p->lq[o][0]);
    q.cpe = q.cpo = _mm512_set1_epi64(p->lq[o][1]);
    q.cne = q.cno = _mm512_set1_epi64(p->lq[o][2]);
    q.se = q.so = _mm512_set1_epi64(p->lq[o][3]);
    const __m512i lsh = os->lshift ? _mm512_set1_epi32(p->lshift_p[o]) : acc;
    return _mm512_cvtsepi32_epi8(ea_out16_apply(os, &q, acc, lsh));
}

// The same through the binary32 stage (x86_requant.h, ea_fq16; plans with rq_fast): lanes
// its bracket leaves undecided are added to *und, and the caller redoes the group exactly.
LANES static inline __attribute__((always_inline)) __m128i requant_channel_fast(const ea_conv_plan *p, const ea_out16 *os, __m512i acc, int o,
                                                                                __mmask16 *und, const int FAST) {
    ea_fq16 f;
    f.m = _mm512_set1_ps(p->fq[o]);
    f.cl = _mm512_set1_ps(p->fq[p->Op + o]);
    f.ch = _mm512_set1_ps(p->fq[2 * p->Op + o]);
    f.cln = FAST == 2 ? _mm512_set1_ps(p->fq[3 * p->Op + o]) : f.cl;
    f.chn = FAST == 2 ? _mm512_set1_ps(p->fq[4 * p->Op + o]) : f.ch;
    __mmask16 u;
    const __m512i v = ea_out16_clamp(os, ea_fq16_stage(&f, acc, &u, FAST));
    *und |= u;
    return _mm512_cvtsepi32_epi8(v);
}

// Named accumulators (an array of vectors would live in memory, see avx512vnni.c); OB is
// at least out_c, the packed weights being zero past out_c. With DUAL a second set (c…)
// accumulates the next 16 pixels of the row: 2·OB independent chains hide vpdpbusd's
// latency when the channels are few.
#define L_INIT(o) __m512i a##o = _mm512_set1_epi32(OB > o && o < O ? p->bias_eff[o] : 0), c##o = a##o;
#define L_STEP(o) if (OB > o) { int32_t wv; memcpy(&wv, wk + 4 * o, 4); const __m512i wb = _mm512_set1_epi32(wv); \
    a##o = _mm512_dpbusd_epi32(a##o, x, wb); if (DUAL) c##o = _mm512_dpbusd_epi32(c##o, y, wb); }
#define L_ALL(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)
#define L_ZERO(o) __m128i src##o##_ = _mm_setzero_si128();
#define L_PACK_A(o) if (OB > o && o < O) src##o##_ = FAST ? requant_channel_fast(p, &os, a##o, o, &und, FAST) : requant_channel(p, &os, a##o, o);
#define L_PACK_C(o) if (OB > o && o < O) src##o##_ = FAST ? requant_channel_fast(p, &os, c##o, o, &und, FAST) : requant_channel(p, &os, c##o, o);

// Writes pixels [ox0, ox0 + n) of the output row starting at `row` from the 16 packed
// channel rows src*_: int8 (W = 1), or sign-extended to int16 (W = 2, into a depthwise
// consumer's image).
LANES static inline __attribute__((always_inline)) void emit(const ea_conv_plan *p, const __m512i *src, char *row, int ox0, int n, const int W) {
    const int O = p->s.out_c;
    char *dst = row + (size_t)ox0 * O * W;
    const int bytes = n * O;
    for (int c = 0; c * 64 < bytes; c++) {
        const __m512i idx = _mm512_loadu_si512((const void *)(p->lidx + 64 * c));
        __m512i v = _mm512_permutex2var_epi8(src[0], idx, src[1]);
        if (p->lhi[c]) v = _mm512_mask_blend_epi8((__mmask64)p->lhi[c], v, _mm512_permutex2var_epi8(src[2], idx, src[3]));
        const int left = bytes - 64 * c;
        if (W == 2) {
            int16_t *d = (int16_t *)(void *)dst + 64 * c;
            const int lo = left >= 32 ? 32 : left, hi = left >= 64 ? 32 : left - 32;
            _mm512_mask_storeu_epi16(d, lo >= 32 ? ~(__mmask32)0 : (((__mmask32)1 << lo) - 1), _mm512_cvtepi8_epi16(_mm512_castsi512_si256(v)));
            if (hi > 0)
                _mm512_mask_storeu_epi16(d + 32, hi >= 32 ? ~(__mmask32)0 : (((__mmask32)1 << hi) - 1),
                                         _mm512_cvtepi8_epi16(_mm512_extracti64x4_epi64(v, 1)));
        } else _mm512_mask_storeu_epi8(dst + 64 * c, left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1), v);
    }
}

#define L_SOURCES(src) \
    src[0] = _mm512_inserti32x4(_mm512_inserti32x4(_mm512_inserti32x4(_mm512_castsi128_si512(src0_), src1_, 1), src2_, 2), src3_, 3); \
    src[1] = _mm512_inserti32x4(_mm512_inserti32x4(_mm512_inserti32x4(_mm512_castsi128_si512(src4_), src5_, 1), src6_, 2), src7_, 3); \
    src[2] = _mm512_inserti32x4(_mm512_inserti32x4(_mm512_inserti32x4(_mm512_castsi128_si512(src8_), src9_, 1), src10_, 2), src11_, 3); \
    src[3] = _mm512_inserti32x4(_mm512_inserti32x4(_mm512_inserti32x4(_mm512_castsi128_si512(src12_), src13_, 1), src14_, 2), src15_, 3);

static void group_exact(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int oy, int ox0, int n, int n2, int OB, int DUAL,
                        char *out, size_t outRow, int W);

// One group of up to 16 output pixels of row oy from column ox0 (n of them stored), and
// with DUAL the next group too (n2 pixels from ox0 + 16, n2 ≥ 1); FAST: the binary32 stage.
// Output row oy starts at out + oy·outRow bytes; W as in emit.
LANES static inline __attribute__((always_inline)) void group(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int oy, int ox0,
                                                              int n, int n2, const int OB, const int DUAL, const int FAST, char *out,
                                                              size_t outRow, const int W) {
    const ea_conv_shape *s = &p->s;
    const int O = s->out_c;
    __mmask16 und = 0;
    const ea_out16 os = ea_out16_make(p->rq_lshift, p->rq_zp, s->out_zp, s->act_min, s->act_max);
    L_ALL(L_INIT)
    const uint8_t *r = img + (size_t)(oy * s->stride_h) * rowBytes + (size_t)ox0 * s->stride_w * s->in_c;
    const size_t next = (size_t)16 * s->stride_w * s->in_c;
    const int8_t *wk = p->lw;
    for (int g = 0; g < p->lgroups; g++, wk += 64) {
        const __m512i idx = _mm512_loadu_si512((const void *)(p->lidx + (4 + g) * 64));
        const uint8_t *ra = r + p->lrow[g][0] * rowBytes, *rb = r + p->lrow[g][1] * rowBytes;
        const __m512i x = _mm512_permutex2var_epi8(_mm512_loadu_si512((const void *)ra), idx, _mm512_loadu_si512((const void *)rb));
        const __m512i y = DUAL ? _mm512_permutex2var_epi8(_mm512_loadu_si512((const void *)(ra + next)), idx, _mm512_loadu_si512((const void *)(rb + next))) : x;
        L_ALL(L_STEP)
    }
    __m512i src[4];
    {
        L_ALL(L_ZERO)
        L_ALL(L_PACK_A)
        L_SOURCES(src)
        emit(p, src, out + (size_t)oy * outRow, ox0, n, W);
    }
    if (DUAL) {
        L_ALL(L_ZERO)
        L_ALL(L_PACK_C)
        L_SOURCES(src)
        emit(p, src, out + (size_t)oy * outRow, ox0 + 16, n2, W);
    }
    if (FAST && __builtin_expect(und != 0, 0)) group_exact(p, img, rowBytes, oy, ox0, n, n2, OB, DUAL, out, outRow, W);
}

// The group again with the exact output stage, out of line: the binary32 stage's fallback.
LANES static inline __attribute__((always_inline)) void group_exact_w(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int oy,
                                                                      int ox0, int n, int n2, int OB, int DUAL, char *out, size_t outRow,
                                                                      const int W) {
    switch (OB + DUAL) {
    case 4: group(p, img, rowBytes, oy, ox0, n, 0, 4, 0, 0, out, outRow, W); break;
    case 5: group(p, img, rowBytes, oy, ox0, n, n2, 4, 1, 0, out, outRow, W); break;
    case 6: group(p, img, rowBytes, oy, ox0, n, 0, 6, 0, 0, out, outRow, W); break;
    case 7: group(p, img, rowBytes, oy, ox0, n, n2, 6, 1, 0, out, outRow, W); break;
    case 8: group(p, img, rowBytes, oy, ox0, n, 0, 8, 0, 0, out, outRow, W); break;
    case 9: group(p, img, rowBytes, oy, ox0, n, n2, 8, 1, 0, out, outRow, W); break;
    default: group(p, img, rowBytes, oy, ox0, n, 0, 16, 0, 0, out, outRow, W); break;
    }
}
LANES __attribute__((noinline, cold)) static void group_exact(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int oy, int ox0,
                                                              int n, int n2, int OB, int DUAL, char *out, size_t outRow, int W) {
    if (W == 2) group_exact_w(p, img, rowBytes, oy, ox0, n, n2, OB, DUAL, out, outRow, 2);
    else group_exact_w(p, img, rowBytes, oy, ox0, n, n2, OB, DUAL, out, outRow, 1);
}

LANES static inline __attribute__((always_inline)) void run_lanes(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int oy0, int oy1,
                                                                  const int FAST, char *out, size_t outRow, const int W) {
    const ea_conv_shape *s = &p->s;
    for (int oy = oy0; oy < oy1; oy++)
        for (int ox = 0; ox < s->out_w;) {
            const int n = s->out_w - ox < 16 ? s->out_w - ox : 16, n2 = s->out_w - ox - n < 16 ? s->out_w - ox - n : 16;
            const int dual = n2 > 0 && s->out_c <= 8;
            // Exact accumulator counts for the common thin layers.
            switch ((s->out_c <= 4 ? 4 : s->out_c <= 6 ? 6 : s->out_c <= 8 ? 8 : 16) + dual) {
            case 4: group(p, img, rowBytes, oy, ox, n, 0, 4, 0, FAST, out, outRow, W); break;
            case 5: group(p, img, rowBytes, oy, ox, n, n2, 4, 1, FAST, out, outRow, W); break;
            case 6: group(p, img, rowBytes, oy, ox, n, 0, 6, 0, FAST, out, outRow, W); break;
            case 7: group(p, img, rowBytes, oy, ox, n, n2, 6, 1, FAST, out, outRow, W); break;
            case 8: group(p, img, rowBytes, oy, ox, n, 0, 8, 0, FAST, out, outRow, W); break;
            case 9: group(p, img, rowBytes, oy, ox, n, n2, 8, 1, FAST, out, outRow, W); break;
            default: group(p, img, rowBytes, oy, ox, n, 0, 16, 0, FAST, out, outRow, W); break;
            }
            ox += dual ? n + n2 : n;
        }
}
LANES void ea_conv_lanes_run_avx512(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int oy0, int oy1, int8_t *out) {
    const size_t outRow = (size_t)p->s.out_w * p->s.out_c;
    if (p->rq_fast == 2) run_lanes(p, img, rowBytes, oy0, oy1, 2, (char *)out, outRow, 1);
    else if (p->rq_fast) run_lanes(p, img, rowBytes, oy0, oy1, 1, (char *)out, outRow, 1);
    else run_lanes(p, img, rowBytes, oy0, oy1, 0, (char *)out, outRow, 1);
}

LANES void ea_conv_lanes_rows16_avx512(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int oy0, int oy1, const ea_out16_target *t) {
    const size_t outRow = t->row * sizeof(int16_t);
    if (p->rq_fast == 2) run_lanes(p, img, rowBytes, oy0, oy1, 2, (char *)t->base, outRow, 2);
    else if (p->rq_fast) run_lanes(p, img, rowBytes, oy0, oy1, 1, (char *)t->base, outRow, 2);
    else run_lanes(p, img, rowBytes, oy0, oy1, 0, (char *)t->base, outRow, 2);
}
#endif
