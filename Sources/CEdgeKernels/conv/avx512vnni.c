// x86-64 AVX-512 VNNI convolution: vpdpbusd multiplies unsigned by signed bytes, so the
// input image is converted once per call to u8 = x + 128 (x ^ 0x80) and the bias absorbs
// the correction:  Σ (x − zp)·w = Σ (x + 128)·w − (zp + 128)·Σ w.
// Intermediate sums may wrap; the final sum is the exact value, which the accumulator
// bound keeps inside int32, and two's-complement addition is exact modulo 2^32.
// 16 output channels per vector, register tiles of 12 or 6 pixels × up to 64 channels per
// pass (then 4, 2 and 1 pixels for the rest); requantisation (one rounding, x86_requant.h),
// zero point, clamp and narrowing happen in registers (16 lanes), bit-exact with ea_requant.
// Thin inputs (a grayscale first layer) take conv/avx512vnni_lanes.c instead.
// No window is ever copied: the u8 image is stored once per call with its zero padding
// (value zp + 128) around it, so each kernel row of a window is a contiguous run of k·C
// bytes read in place, 4 at a time. Rows are padded to a multiple of 4 in the weights
// with zeros, so bytes read past a row's end contribute x·0 = 0.
// Packed weights: int8 [kh][R/4][Op][4] with R = kw·C rounded up to 4 (Kp = kh·R), Op =
// out_c rounded up to 16. Any kernel/stride per axis and any per-side padding.
#if defined(__x86_64__)
#include "conv_plan.h"
#include "x86_requant.h"
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

int ea_conv_pack_avx512vnni(ea_conv_plan *p) {
    const int K = p->K, O = p->s.out_c, k = p->s.kernel_h, run = p->s.kernel_w * p->s.in_c;
    const int R = (run + 3) & ~3;
    p->Kp = k * R;
    p->Op = (O + 15) & ~15;
    int8_t *w = (int8_t *)ea_calloc64((size_t)p->Kp * p->Op, 1);
    p->bias_eff = (int32_t *)ea_calloc64((size_t)p->Op, sizeof(int32_t));
    if (!w || !p->bias_eff || !ea_pad_requant(p)) { free(w); return 0; }
    for (int ky = 0; ky < k; ky++)
        for (int t = 0; t < R / 4; t++)
            for (int o = 0; o < O; o++)
                for (int e = 0; e < 4; e++) {
                    int j = 4 * t + e;
                    w[(((size_t)ky * (R / 4) + t) * p->Op + o) * 4 + e] = j < run ? p->wref[(size_t)o * K + ky * run + j] : 0;
                }
    for (int o = 0; o < O; o++) {
        int64_t sum = 0;
        for (int j = 0; j < K; j++) sum += p->wref[(size_t)o * K + j];
        p->bias_eff[o] = (int32_t)((int64_t)p->bias[o] - (int64_t)(p->s.in_zp + 128) * sum);
    }
    // Few output channels (LeNet's first layer has 6): let lanes 8–15 repeat lanes 0–7, so
    // one 16-lane vector accumulates two output pixels instead of wasting 10 lanes.
    if (O <= 8) {
        p->paired = 1;
        for (int t = 0; t < p->Kp / 4; t++)
            for (int o = 0; o < 8; o++)
                for (int e = 0; e < 4; e++) w[((size_t)t * 16 + 8 + o) * 4 + e] = w[((size_t)t * 16 + o) * 4 + e];
        for (int o = 0; o < 8; o++) {
            p->bias_eff[8 + o] = p->bias_eff[o];
            p->mult_p[8 + o] = p->mult_p[o];
            p->rshift_p[8 + o] = p->rshift_p[o];
            p->lshift_p[8 + o] = p->lshift_p[o];
        }
    }
    p->w = w;
    return ea_rq16_prepare(p) && ea_conv_lanes_pack_avx512(p);
}

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))

// The store of 16 results of channels ob… at dst, only the channels that exist: int8
// (W = 1), or the same int8 values sign-extended to int16 (W = 2, into a depthwise
// consumer's image). Either way the saturating narrowing to int8 does the clamps the
// output stage left to it.
VNNI static inline __attribute__((always_inline)) void put16(const ea_conv_plan *p, __m512i v, int ob, char *dst, const int W) {
    int left = p->s.out_c - ob;
    __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
    if (W == 2) _mm256_mask_storeu_epi16((int16_t *)(void *)dst + ob, m, _mm256_cvtepi8_epi16(_mm512_cvtsepi32_epi8(v)));
    else _mm512_mask_cvtsepi32_storeu_epi8((int8_t *)dst + ob, m, v);
}

// Requantises 16 accumulators of channels ob… (constants `q` of that block) and stores them.
VNNI static inline __attribute__((always_inline)) void store16(const ea_conv_plan *p, const ea_out16 *os, const ea_rq16 *q, __m512i acc, int ob,
                                                               char *dst, const int W) {
    const __m512i lsh = os->lshift ? _mm512_loadu_si512((const void *)(p->lshift_p + ob)) : acc;
    put16(p, ea_out16_apply(os, q, acc, lsh), ob, dst, W);
}

// The binary32 output stage (x86_requant.h, ea_fq16; plans with rq_fast). Lanes its
// bracket leaves undecided (rare) are added to *und; the caller then redoes its pixels
// exactly (pixels_exact), so the hot loops hold no call.
VNNI static inline __attribute__((always_inline)) void store16f(const ea_conv_plan *p, const ea_out16 *os, const ea_fq16 *f, __m512i acc, int ob,
                                                                 __mmask16 *und, const int FAST, char *dst, const int W) {
    __mmask16 u;
    const __m512i v = ea_out16_clamp(os, ea_fq16_stage(f, acc, &u, FAST));
    *und |= u;
    put16(p, v, ob, dst, W);
}

// Every output channel of n pixels (window origins b, outputs W bytes wide) with the exact
// output stage, out of line: the binary32 stage's fallback (defined after the tiles).
static void pixels_exact(const ea_conv_plan *p, const uint8_t *const *b, int n, size_t rowBytes, int RT, char *dst, int W);

// Rows [r0, r1) of the padded u8 image: borders hold zp + 128 (the real 0), the interior
// x ^ 0x80. Only the border is filled (rows above and below, the columns either side); the
// interior is written once. The last row gets 64 bytes of slack for reads past a window's
// end (they meet zero weights; rows past r1 are read the same way and need no content).
VNNI void ea_image_u8_rows_avx512(const ea_conv_plan *p, const int8_t *in, uint8_t *img, int r0, int r1) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, Hp = ea_padded_h(s);
    const size_t rowBytes = (size_t)ea_padded_w(s) * C;
    const uint8_t pad = (uint8_t)(s->in_zp + 128);
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    const size_t inRow = (size_t)s->in_w * C, left = (size_t)s->pad_left * C, right = rowBytes - left - inRow;
    if (r0 < 0) r0 = 0;
    if (r1 > Hp) r1 = Hp;
    for (int r = r0; r < r1; r++) {
        uint8_t *row = img + (size_t)r * rowBytes;
        const int y = r - s->pad_top;
        if (y < 0 || y >= s->in_h) { memset(row, pad, rowBytes + (r == Hp - 1 ? 64 : 0)); continue; }
        const int8_t *src = in + (size_t)y * inRow;
        uint8_t *dst = row + left;
        if (left) memset(row, pad, left);
        if (right) memset(dst + inRow, pad, right);
        size_t i = 0;
        for (; i + 64 <= inRow; i += 64) _mm512_storeu_si512((void *)(dst + i), _mm512_xor_si512(_mm512_loadu_si512((const void *)(src + i)), flip));
        if (i < inRow) {
            __mmask64 m = ((__mmask64)1 << (inRow - i)) - 1;
            _mm512_mask_storeu_epi8(dst + i, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + i), flip));
        }
        if (r == Hp - 1) memset(row + rowBytes, pad, 64);
    }
}

// The whole padded u8 image.
VNNI void ea_image_u8_avx512(const ea_conv_plan *p, const int8_t *in, uint8_t *img) { ea_image_u8_rows_avx512(p, in, img, 0, ea_padded_h(&p->s)); }

// Window origin of output pixel `q` in the padded image.
static inline const uint8_t *origin(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int q) {
    int oy = q / p->s.out_w, ox = q % p->s.out_w;
    return img + (size_t)(oy * p->s.stride_h) * rowBytes + (size_t)(ox * p->s.stride_w) * p->s.in_c;
}

// out_c ≤ 8: eight pixels per pass, four accumulators each holding two pixels (lanes 0–7
// and 8–15), over pixels [first, P). Returns the first pixel not done.
VNNI static int run_paired(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int RT, int first, int P, int8_t *out) {
    const ea_conv_shape *s = &p->s;
    const int O = s->out_c;
    const int8_t *w = (const int8_t *)p->w;
    const ea_rq16 q = ea_rq16_load(p->mult_p, p->rq, p->Op, 0);
    const __m512i lsh = _mm512_loadu_si512((const void *)p->lshift_p);
    const __m512i bias = _mm512_loadu_si512((const void *)p->bias_eff);
    const ea_out16 os = ea_out16_make(p->rq_lshift, p->rq_zp, s->out_zp, s->act_min, s->act_max);
    const __mmask16 m8 = (__mmask16)((1u << O) - 1);
    const int fast = p->rq_fast == 1;
    for (; first + 8 <= P; first += 8) {
        const uint8_t *b[8];
        for (int j = 0; j < 8; j++) b[j] = origin(p, img, rowBytes, first + j);
        __m512i a[4] = {bias, bias, bias, bias};
        const int8_t *wk = w;
        for (int ky = 0; ky < s->kernel_h; ky++) {
            const size_t ro = (size_t)ky * rowBytes;
            for (int t = 0; t < RT; t++, wk += 64) {
                __m512i wv = _mm512_loadu_si512((const void *)wk);
                for (int j = 0; j < 4; j++) {
                    int32_t va, vb;
                    memcpy(&va, b[2 * j] + ro + 4 * t, 4);
                    memcpy(&vb, b[2 * j + 1] + ro + 4 * t, 4);
                    a[j] = _mm512_dpbusd_epi32(a[j], _mm512_mask_set1_epi32(_mm512_set1_epi32(va), 0xFF00, vb), wv);
                }
            }
        }
        for (int j = 0; j < 4; j++) {
            __m512i v;
            if (fast) {
                const ea_fq16 f = ea_fq16_load(p->fq, p->Op, 0, 0);
                __mmask16 u;
                v = ea_fq16_apply(&f, a[j], &u);
                // The exact stage for a vector the bracket did not decide (out_c ≤ 8: cheap).
                if (__builtin_expect(u != 0, 0)) v = ea_out16_apply(&os, &q, a[j], lsh);
                else v = ea_out16_clamp(&os, v);
            } else v = ea_out16_apply(&os, &q, a[j], lsh);
            _mm512_mask_cvtsepi32_storeu_epi8(out + (size_t)(first + 2 * j) * O, m8, v);
            __m256i upper = _mm512_castsi512_si256(_mm512_shuffle_i64x2(v, v, 0xEE));
            _mm256_mask_cvtsepi32_storeu_epi8(out + (size_t)(first + 2 * j + 1) * O, (__mmask8)m8, upper);
        }
    }
    return first;
}

// The register tile: PX output pixels × NB blocks of 16 output channels (at most 12 × 2 or
// 6 × 4: 24 accumulators of the 32 zmm registers). Per 4-byte step the NB weight vectors
// are loaded once and serve every pixel, each pixel's 4 bytes are broadcast once and serve
// every block: up to 24 vpdpbusd per 16 loads.
// Accumulators are named variables, not an array: clang keeps an array of vectors in memory
// beside its registers and stores every update (measured: twice slower).
#define TILE_MAX_PX 12
#define TILE_INIT(j) __m512i a##j##0 = b0v, a##j##1 = b1v, a##j##2 = b2v, a##j##3 = b3v;
#define TILE_STEP(j) if (PX > j) { int32_t v; memcpy(&v, b[j] + ro + 4 * t, 4); const __m512i x = _mm512_set1_epi32(v); \
    a##j##0 = _mm512_dpbusd_epi32(a##j##0, x, w0); \
    if (NB > 1) a##j##1 = _mm512_dpbusd_epi32(a##j##1, x, w1); \
    if (NB > 2) a##j##2 = _mm512_dpbusd_epi32(a##j##2, x, w2); \
    if (NB > 3) a##j##3 = _mm512_dpbusd_epi32(a##j##3, x, w3); }
#define TILE_ALL(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11)
#define TILE_ST(j, nb) if (PX > j) store16(p, &os, &q, a##j##nb, ob + 16 * nb, dst + (size_t)(j) * O * W, W);
#define TILE_STF(j, nb) if (PX > j) store16f(p, &os, &f, a##j##nb, ob + 16 * nb, &und, FAST, dst + (size_t)(j) * O * W, W);
#define TILE_ALL2(M, nb) M(0, nb) M(1, nb) M(2, nb) M(3, nb) M(4, nb) M(5, nb) M(6, nb) M(7, nb) M(8, nb) M(9, nb) M(10, nb) M(11, nb)
#define TILE_STORE_BLOCK(nb) if (NB > nb) { \
    if (fast) { const ea_fq16 f = ea_fq16_load(p->fq, Op, ob + 16 * nb, FAST == 2); TILE_ALL2(TILE_STF, nb) } \
    else { const ea_rq16 q = ea_rq16_load(p->mult_p, p->rq, Op, ob + 16 * nb); TILE_ALL2(TILE_ST, nb) } }
VNNI static inline __attribute__((always_inline)) void tile(const ea_conv_plan *p, const uint8_t *const *b, size_t rowBytes, int RT,
                                                            int ob, const int PX, const int NB, const int FAST, char *dst, const int W) {
    const ea_conv_shape *s = &p->s;
    const int O = s->out_c, Op = p->Op, fast = FAST;
    __mmask16 und = 0;
    const ea_out16 os = ea_out16_make(p->rq_lshift, p->rq_zp, s->out_zp, s->act_min, s->act_max);
    const __m512i b0v = _mm512_loadu_si512((const void *)(p->bias_eff + ob));
    const __m512i b1v = NB > 1 ? _mm512_loadu_si512((const void *)(p->bias_eff + ob + 16)) : b0v;
    const __m512i b2v = NB > 2 ? _mm512_loadu_si512((const void *)(p->bias_eff + ob + 32)) : b0v;
    const __m512i b3v = NB > 3 ? _mm512_loadu_si512((const void *)(p->bias_eff + ob + 48)) : b0v;
    TILE_ALL(TILE_INIT)
    const int8_t *wk = (const int8_t *)p->w + (size_t)ob * 4;
    for (int ky = 0; ky < s->kernel_h; ky++) {
        const size_t ro = (size_t)ky * rowBytes;
        for (int t = 0; t < RT; t++, wk += (size_t)Op * 4) {
            const __m512i w0 = _mm512_loadu_si512((const void *)wk);
            const __m512i w1 = NB > 1 ? _mm512_loadu_si512((const void *)(wk + 64)) : w0;
            const __m512i w2 = NB > 2 ? _mm512_loadu_si512((const void *)(wk + 128)) : w0;
            const __m512i w3 = NB > 3 ? _mm512_loadu_si512((const void *)(wk + 192)) : w0;
            TILE_ALL(TILE_STEP)
        }
    }
    TILE_STORE_BLOCK(0) TILE_STORE_BLOCK(1) TILE_STORE_BLOCK(2) TILE_STORE_BLOCK(3)
    if (fast && __builtin_expect(und != 0, 0)) pixels_exact(p, b, PX, rowBytes, RT, dst, W);
}

// PX pixels (window origins b) over every output channel, in chunks of up to 64 (only
// PX ≤ 6 takes chunks of three or four blocks: 12 × 4 accumulators would not fit).
VNNI static inline __attribute__((always_inline)) void tiles_px(const ea_conv_plan *p, const uint8_t *const *b, size_t rowBytes, int RT,
                                                                const int PX, const int FAST, char *dst, const int W) {
    const int Op = p->Op;
    for (int ob = 0; ob < Op;) {
        int nb = (Op - ob) / 16;
        if (PX > 6 && nb > 2) nb = 2;
        switch (nb) {
        case 1: tile(p, b, rowBytes, RT, ob, PX, 1, FAST, dst, W); ob += 16; break;
        case 2: tile(p, b, rowBytes, RT, ob, PX, 2, FAST, dst, W); ob += 32; break;
        case 3: tile(p, b, rowBytes, RT, ob, PX, 3, FAST, dst, W); ob += 48; break;
        default: tile(p, b, rowBytes, RT, ob, PX, 4, FAST, dst, W); ob += 64; break;
        }
    }
}

// Pixels [first, P): groups of 12 when the channels fit in two vectors (else 6), then the
// rest in groups of 4, 2 and 1 (a dense layer is one pixel: up to four independent
// accumulator chains over its channel blocks).
VNNI static inline __attribute__((always_inline)) void tiles_range(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int RT,
                                                                   int first, int P, const int FAST, int8_t *out) {
    const ea_conv_shape *s = &p->s;
    const int O = s->out_c;
    const int wide = p->Op <= 32 ? 12 : 6;
    const uint8_t *b[TILE_MAX_PX];
    int oy = first / s->out_w, ox = first % s->out_w;
    const size_t down = (size_t)s->stride_h * rowBytes, right = (size_t)s->stride_w * s->in_c;
    while (first < P) {
        int left = P - first, n = left >= wide ? wide : left >= 6 ? 6 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
        for (int j = 0; j < n; j++) {
            b[j] = img + (size_t)oy * down + (size_t)ox * right;
            if (++ox == s->out_w) { ox = 0; oy++; }
        }
        char *dst = (char *)out + (size_t)first * O;
        switch (n) {
        case 12: tiles_px(p, b, rowBytes, RT, 12, FAST, dst, 1); break;
        case 6: tiles_px(p, b, rowBytes, RT, 6, FAST, dst, 1); break;
        case 4: tiles_px(p, b, rowBytes, RT, 4, FAST, dst, 1); break;
        case 2: tiles_px(p, b, rowBytes, RT, 2, FAST, dst, 1); break;
        default: tiles_px(p, b, rowBytes, RT, 1, FAST, dst, 1); break;
        }
        first += n;
    }
}

VNNI static inline __attribute__((always_inline)) void pixels_exact_w(const ea_conv_plan *p, const uint8_t *const *b, int n, size_t rowBytes,
                                                                       int RT, char *dst, const int W) {
    const size_t px = (size_t)p->s.out_c * W;
    int k = 0;
    for (; k + 6 <= n; k += 6) tiles_px(p, b + k, rowBytes, RT, 6, 0, dst + k * px, W);
    for (; k + 4 <= n; k += 4) tiles_px(p, b + k, rowBytes, RT, 4, 0, dst + k * px, W);
    for (; k + 2 <= n; k += 2) tiles_px(p, b + k, rowBytes, RT, 2, 0, dst + k * px, W);
    for (; k < n; k++) tiles_px(p, b + k, rowBytes, RT, 1, 0, dst + k * px, W);
}
VNNI __attribute__((noinline, cold)) static void pixels_exact(const ea_conv_plan *p, const uint8_t *const *b, int n, size_t rowBytes, int RT,
                                                               char *dst, int W) {
    if (W == 2) pixels_exact_w(p, b, n, rowBytes, RT, dst, 2);
    else pixels_exact_w(p, b, n, rowBytes, RT, dst, 1);
}

// Every pixel from `first` on, and pixels [first, P) of a row-split call. Two copies of the
// loop: with P passed in, the whole-image call ran 3×3 64-channel layers 7% slower
// (measured; P taken from the shape inside the function, as here, does not).
VNNI static void run_tiles(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int RT, int first, int8_t *out) {
    tiles_range(p, img, rowBytes, RT, first, p->s.out_h * p->s.out_w, 0, out);
}
VNNI static void run_tiles_to(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int RT, int first, int P, int8_t *out) {
    tiles_range(p, img, rowBytes, RT, first, P, 0, out);
}
// The same with the binary32 output stage (plans with rq_fast): separate copies, so each
// path compiles as if the other did not exist (no runtime choice, no extra live values in
// the exact tiles).
VNNI static void run_tiles_fast(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int RT, int first, int8_t *out) {
    tiles_range(p, img, rowBytes, RT, first, p->s.out_h * p->s.out_w, 1, out);
}
VNNI static void run_tiles_to_fast(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int RT, int first, int P, int8_t *out) {
    tiles_range(p, img, rowBytes, RT, first, P, 1, out);
}

// Row tiles: PX pixels of one output row, so pixel j's window starts RS·j bytes after the
// first one (RS = stride_w·in_c, a compile-time constant here). The general tile keeps a
// pointer per pixel, and at every kernel row clang shuffles all twelve of them between
// registers; one base pointer with constant displacements does not (16→16 3×3: 1.2× faster).
#define RT_INIT(j) __m512i r##j##0 = b0v, r##j##1 = b1v, r##j##2 = b2v, r##j##3 = b3v;
#define RT_STEP(j) if (PX > j) { int32_t v; memcpy(&v, row + RS * (j) + 4 * t, 4); const __m512i x = _mm512_set1_epi32(v); \
    r##j##0 = _mm512_dpbusd_epi32(r##j##0, x, w0); \
    if (NB > 1) r##j##1 = _mm512_dpbusd_epi32(r##j##1, x, w1); \
    if (NB > 2) r##j##2 = _mm512_dpbusd_epi32(r##j##2, x, w2); \
    if (NB > 3) r##j##3 = _mm512_dpbusd_epi32(r##j##3, x, w3); }
#define RT_ST(j, nb) if (PX > j) store16(p, &os, &q, r##j##nb, 16 * nb, dst + (size_t)(j) * O * W, W);
#define RT_STF(j, nb) if (PX > j) store16f(p, &os, &f, r##j##nb, 16 * nb, &und, FAST, dst + (size_t)(j) * O * W, W);
#define RT_BLOCK(nb) if (NB > nb) { \
    if (fast) { const ea_fq16 f = ea_fq16_load(p->fq, p->Op, 16 * nb, FAST == 2); RT_ALL2(RT_STF, nb) } \
    else { const ea_rq16 q = ea_rq16_load(p->mult_p, p->rq, p->Op, 16 * nb); RT_ALL2(RT_ST, nb) } }
#define RT_ALL(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13)
#define RT_ALL2(M, nb) M(0, nb) M(1, nb) M(2, nb) M(3, nb) M(4, nb) M(5, nb) M(6, nb) M(7, nb) M(8, nb) M(9, nb) M(10, nb) M(11, nb) M(12, nb) M(13, nb)
VNNI static inline __attribute__((always_inline)) void tile_row(const ea_conv_plan *p, const uint8_t *b0, size_t rowBytes, int RT,
                                                                 const int PX, const int NB, const int RS, const int FAST, char *dst, const int W) {
    const int O = p->s.out_c, fast = FAST;
    __mmask16 und = 0;
    const ea_out16 os = ea_out16_make(p->rq_lshift, p->rq_zp, p->s.out_zp, p->s.act_min, p->s.act_max);
    const __m512i b0v = _mm512_loadu_si512((const void *)p->bias_eff);
    const __m512i b1v = NB > 1 ? _mm512_loadu_si512((const void *)(p->bias_eff + 16)) : b0v;
    const __m512i b2v = NB > 2 ? _mm512_loadu_si512((const void *)(p->bias_eff + 32)) : b0v;
    const __m512i b3v = NB > 3 ? _mm512_loadu_si512((const void *)(p->bias_eff + 48)) : b0v;
    RT_ALL(RT_INIT)
    const int8_t *wk = (const int8_t *)p->w;
    for (int ky = 0; ky < p->s.kernel_h; ky++) {
        const uint8_t *row = b0 + (size_t)ky * rowBytes;
        for (int t = 0; t < RT; t++, wk += (size_t)p->Op * 4) {
            const __m512i w0 = _mm512_loadu_si512((const void *)wk);
            const __m512i w1 = NB > 1 ? _mm512_loadu_si512((const void *)(wk + 64)) : w0;
            const __m512i w2 = NB > 2 ? _mm512_loadu_si512((const void *)(wk + 128)) : w0;
            const __m512i w3 = NB > 3 ? _mm512_loadu_si512((const void *)(wk + 192)) : w0;
            RT_ALL(RT_STEP)
        }
    }
    RT_BLOCK(0) RT_BLOCK(1) RT_BLOCK(2) RT_BLOCK(3)
    if (fast && __builtin_expect(und != 0, 0)) {
        const uint8_t *b[14];
        for (int j = 0; j < PX; j++) b[j] = b0 + (size_t)RS * j;
        pixels_exact(p, b, PX, rowBytes, RT, dst, W);
    }
}

// Output rows [oy0, oy1) in row tiles (at most 14 pixels × 16 channels, 7 × 32, or 7 × 64
// for a 7-wide row else 6 × 64), then 4, 2, 1. Output row oy starts at out + oy·outRow
// bytes, its pixels out_c·W bytes apart.
VNNI static inline __attribute__((always_inline)) void run_rows(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int RT,
                                                                const int NB, const int RS, const int FAST, int oy0, int oy1, char *out,
                                                                size_t outRow, const int W) {
    const ea_conv_shape *s = &p->s;
    const int wide = NB == 1 ? 14 : NB == 2 ? 7 : 6;
    const size_t px = (size_t)s->out_c * W;
    for (int oy = oy0; oy < oy1; oy++) {
        const uint8_t *rb = img + (size_t)oy * s->stride_h * rowBytes;
        char *dst = out + (size_t)oy * outRow;
        int ox = 0;
        // 64 channels: a 7-pixel row (the last stage of ResNet-8 and the MobileNet-style
        // net) in one tile of 28 accumulators; wider rows in tiles of 6.
        if (NB == 4 && s->out_w == 7) { tile_row(p, rb, rowBytes, RT, 7, 4, RS, FAST, dst, W); continue; }
        for (; ox + wide <= s->out_w; ox += wide) {
            if (NB == 1) tile_row(p, rb + (size_t)ox * RS, rowBytes, RT, 14, 1, RS, FAST, dst + ox * px, W);
            else if (NB == 2) tile_row(p, rb + (size_t)ox * RS, rowBytes, RT, 7, 2, RS, FAST, dst + ox * px, W);
            else tile_row(p, rb + (size_t)ox * RS, rowBytes, RT, 6, 4, RS, FAST, dst + ox * px, W);
        }
        for (; ox + 4 <= s->out_w; ox += 4) tile_row(p, rb + (size_t)ox * RS, rowBytes, RT, 4, NB, RS, FAST, dst + ox * px, W);
        for (; ox + 2 <= s->out_w; ox += 2) tile_row(p, rb + (size_t)ox * RS, rowBytes, RT, 2, NB, RS, FAST, dst + ox * px, W);
        for (; ox < s->out_w; ox++) tile_row(p, rb + (size_t)ox * RS, rowBytes, RT, 1, NB, RS, FAST, dst + ox * px, W);
    }
}

// Which layers run in row tiles: 0 none, else (NB << 8) | RS, the tile's channel blocks and
// its window step per pixel.
static int row_tile_kind(const ea_conv_plan *p) {
    const ea_conv_shape *s = &p->s;
    if (p->lanes || p->paired) return 0;
    // Common ResNet shapes: 16 or 32 channels whose windows step 16 or 32 bytes per pixel.
    const int rs = s->stride_w * s->in_c;
    if ((p->Op == 16 || p->Op == 32) && (rs == 16 || rs == 32)) return (p->Op / 16) << 8 | rs;
    // 64-channel pointwise layers (MobileNet's, ResNet's 1×1 projections): 1.3–1.6× faster
    // in row tiles; 3×3 ones were measured 10% slower there (28 accumulators over nine kernel
    // rows) and keep the general tiles.
    if (p->Op == 64 && s->kernel_h == 1 && s->kernel_w == 1 && (rs == 32 || rs == 64)) return 4 << 8 | rs;
    return 0;
}

int ea_conv_has_rows16(const ea_conv_plan *p) { return p->lanes || row_tile_kind(p) != 0; }

// The row-tile layers (returns 0 for the rest), with the output stage F chooses.
VNNI static inline __attribute__((always_inline)) int rows_in_row_tiles(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int RT,
                                                                         const int F, int oy0, int oy1, char *out, size_t outRow,
                                                                         const int W) {
    switch (row_tile_kind(p)) {
    case 1 << 8 | 16: run_rows(p, img, rowBytes, RT, 1, 16, F, oy0, oy1, out, outRow, W); return 1;
    case 1 << 8 | 32: run_rows(p, img, rowBytes, RT, 1, 32, F, oy0, oy1, out, outRow, W); return 1;
    case 2 << 8 | 16: run_rows(p, img, rowBytes, RT, 2, 16, F, oy0, oy1, out, outRow, W); return 1;
    case 2 << 8 | 32: run_rows(p, img, rowBytes, RT, 2, 32, F, oy0, oy1, out, outRow, W); return 1;
    case 4 << 8 | 32: run_rows(p, img, rowBytes, RT, 4, 32, F, oy0, oy1, out, outRow, W); return 1;
    case 4 << 8 | 64: run_rows(p, img, rowBytes, RT, 4, 64, F, oy0, oy1, out, outRow, W); return 1;
    default: return 0;
    }
}

// Output rows [oy0, oy1) from the padded u8 image (read only: threads may share it).
VNNI void ea_conv_rows_avx512vnni(const ea_conv_plan *p, const uint8_t *img, int8_t *out, int oy0, int oy1) {
    const ea_conv_shape *s = &p->s;
    const int RT = ((s->kernel_w * s->in_c + 3) & ~3) / 4;
    const size_t rowBytes = (size_t)ea_padded_w(s) * s->in_c;
    if (p->lanes) { ea_conv_lanes_run_avx512(p, img, rowBytes, oy0, oy1, out); return; }
    // The tiles take the plain bracket only: with the sign-picked one (two more constants per
    // block beside up to 28 accumulators) they measured no faster than the exact stage.
    const int f = p->rq_fast == 1;
    const size_t outRow = (size_t)s->out_w * s->out_c;
    if (f ? rows_in_row_tiles(p, img, rowBytes, RT, 1, oy0, oy1, (char *)out, outRow, 1)
          : rows_in_row_tiles(p, img, rowBytes, RT, 0, oy0, oy1, (char *)out, outRow, 1))
        return;
    int first = oy0 * s->out_w;
    const int last = oy1 * s->out_w;
    if (p->paired) first = run_paired(p, img, rowBytes, RT, first, last, out);
    if (last == s->out_h * s->out_w) (f ? run_tiles_fast : run_tiles)(p, img, rowBytes, RT, first, out);
    else (f ? run_tiles_to_fast : run_tiles_to)(p, img, rowBytes, RT, first, last, out);
}

// Output rows [oy0, oy1) as int16 into a depthwise consumer's image (pixels in lanes or
// row tiles: ea_conv_has_rows16(p) must hold).
VNNI void ea_conv_rows16_avx512vnni(const ea_conv_plan *p, const uint8_t *img, const ea_out16_target *t, int oy0, int oy1) {
    const ea_conv_shape *s = &p->s;
    const int RT = ((s->kernel_w * s->in_c + 3) & ~3) / 4;
    const size_t rowBytes = (size_t)ea_padded_w(s) * s->in_c, outRow = t->row * sizeof(int16_t);
    if (p->lanes) { ea_conv_lanes_rows16_avx512(p, img, rowBytes, oy0, oy1, t); return; }
    if (p->rq_fast == 1) rows_in_row_tiles(p, img, rowBytes, RT, 1, oy0, oy1, (char *)t->base, outRow, 2);
    else rows_in_row_tiles(p, img, rowBytes, RT, 0, oy0, oy1, (char *)t->base, outRow, 2);
}

VNNI void ea_conv_run_avx512vnni(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    uint8_t *img = (uint8_t *)ea_scratch_image(p, scratch);
    ea_image_u8_avx512(p, in, img);
    ea_conv_rows_avx512vnni(p, img, out, 0, p->s.out_h);
}
#endif
