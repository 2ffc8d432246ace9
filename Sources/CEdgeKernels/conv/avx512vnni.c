// x86-64 AVX-512 VNNI convolution: vpdpbusd multiplies unsigned by signed bytes, so the
// input image is converted once per call to u8 = x + 128 (x ^ 0x80) and the bias absorbs
// the correction:  Σ (x − zp)·w = Σ (x + 128)·w − (zp + 128)·Σ w.
// Intermediate sums may wrap; the final sum is the exact value, which the accumulator
// bound keeps inside int32, and two's-complement addition is exact modulo 2^32.
// 16 output channels per vector, 12 or 6 pixels × up to 64 channels per pass (then
// EA_PIXELS and single pixels for the rest); requantisation, zero point,
// clamp and narrowing happen in registers (16 lanes), bit-exact with ea_requant.
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
    int8_t *w = (int8_t *)calloc((size_t)p->Kp * p->Op, 1);
    p->bias_eff = (int32_t *)calloc((size_t)p->Op, sizeof(int32_t));
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
    return 1;
}

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

VNNI static inline void store16(const ea_conv_plan *p, __m512i acc, int ob, int8_t *dst) {
    __m512i v = ea_requant16_ls(acc, _mm512_loadu_si512((const void *)(p->mult_p + ob)), _mm512_loadu_si512((const void *)(p->lshift_p + ob)),
                                _mm512_loadu_si512((const void *)(p->rshift_p + ob)));
    v = _mm512_add_epi32(v, _mm512_set1_epi32(p->s.out_zp));
    v = _mm512_max_epi32(v, _mm512_set1_epi32(p->s.act_min));
    v = _mm512_min_epi32(v, _mm512_set1_epi32(p->s.act_max));
    int left = p->s.out_c - ob;
    __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
    _mm512_mask_cvtsepi32_storeu_epi8(dst + ob, m, v);
}

// The padded u8 image: borders hold zp + 128 (the real 0), the interior x ^ 0x80.
VNNI static void image_u8(const ea_conv_plan *p, const int8_t *in, uint8_t *img) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c;
    const size_t rowBytes = (size_t)ea_padded_w(s) * C;
    memset(img, (uint8_t)(s->in_zp + 128), (size_t)ea_padded_h(s) * rowBytes + 64);
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    const size_t inRow = (size_t)s->in_w * C;
    for (int y = 0; y < s->in_h; y++) {
        const int8_t *src = in + (size_t)y * inRow;
        uint8_t *dst = img + (size_t)(y + s->pad_top) * rowBytes + (size_t)s->pad_left * C;
        size_t i = 0;
        for (; i + 64 <= inRow; i += 64) _mm512_storeu_si512((void *)(dst + i), _mm512_xor_si512(_mm512_loadu_si512((const void *)(src + i)), flip));
        if (i < inRow) {
            __mmask64 m = ((__mmask64)1 << (inRow - i)) - 1;
            _mm512_mask_storeu_epi8(dst + i, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + i), flip));
        }
    }
}

// Window origin of output pixel `q` in the padded image.
static inline const uint8_t *origin(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int q) {
    int oy = q / p->s.out_w, ox = q % p->s.out_w;
    return img + (size_t)(oy * p->s.stride_h) * rowBytes + (size_t)(ox * p->s.stride_w) * p->s.in_c;
}

// out_c ≤ 8: eight pixels per pass, four accumulators each holding two pixels (lanes 0–7
// and 8–15). Returns the first pixel not done.
VNNI static int run_paired(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int RT, int8_t *out) {
    const ea_conv_shape *s = &p->s;
    const int P = s->out_h * s->out_w, O = s->out_c;
    const int8_t *w = (const int8_t *)p->w;
    const __m512i mult = _mm512_loadu_si512((const void *)p->mult_p), rsh = _mm512_loadu_si512((const void *)p->rshift_p);
    const __m512i lsh = _mm512_loadu_si512((const void *)p->lshift_p);
    const __m512i bias = _mm512_loadu_si512((const void *)p->bias_eff);
    const __m512i zp = _mm512_set1_epi32(s->out_zp), lo = _mm512_set1_epi32(s->act_min), hi = _mm512_set1_epi32(s->act_max);
    const __mmask16 m8 = (__mmask16)((1u << O) - 1);
    int first = 0;
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
            __m512i v = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(ea_requant16_ls(a[j], mult, lsh, rsh), zp), lo), hi);
            _mm512_mask_cvtsepi32_storeu_epi8(out + (size_t)(first + 2 * j) * O, m8, v);
            __m256i upper = _mm512_castsi512_si256(_mm512_shuffle_i64x2(v, v, 0xEE));
            _mm256_mask_cvtsepi32_storeu_epi8(out + (size_t)(first + 2 * j + 1) * O, (__mmask8)m8, upper);
        }
    }
    return first;
}

// The register tile of the wide path: PX output pixels × NB blocks of 16 output channels
// (12 × 2 or 6 × 4: 24 accumulators of the 32 zmm registers). Per 4-byte step the NB weight
// vectors are loaded once and serve every pixel, each pixel's 4 bytes are broadcast once and
// serve every block: up to 24 vpdpbusd per 16 loads instead of 4 per 5 in run_pixels4.
// Accumulators are named variables, not an array: clang keeps an array of vectors in memory
// beside its registers and stores every update (measured: twice slower than run_pixels4).
#define TILE_MAX_PX 12
#define TILE_INIT(j) __m512i a##j##0 = b0v, a##j##1 = b1v, a##j##2 = b2v, a##j##3 = b3v;
#define TILE_STEP(j) if (PX > j) { int32_t v; memcpy(&v, b[j] + ro + 4 * t, 4); const __m512i x = _mm512_set1_epi32(v); \
    a##j##0 = _mm512_dpbusd_epi32(a##j##0, x, w0); \
    if (NB > 1) a##j##1 = _mm512_dpbusd_epi32(a##j##1, x, w1); \
    if (NB > 2) a##j##2 = _mm512_dpbusd_epi32(a##j##2, x, w2); \
    if (NB > 3) a##j##3 = _mm512_dpbusd_epi32(a##j##3, x, w3); }
#define TILE_STORE(j) if (PX > j) { int8_t *d = dst + (size_t)(j) * O; store16(p, a##j##0, ob, d); \
    if (NB > 1) store16(p, a##j##1, ob + 16, d); \
    if (NB > 2) store16(p, a##j##2, ob + 32, d); \
    if (NB > 3) store16(p, a##j##3, ob + 48, d); }
#define TILE_ALL(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11)
VNNI static inline __attribute__((always_inline)) void tile(const ea_conv_plan *p, const uint8_t *const *b, size_t rowBytes, int RT,
                                                            int ob, const int PX, const int NB, int8_t *dst) {
    const ea_conv_shape *s = &p->s;
    const int O = s->out_c, Op = p->Op;
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
    TILE_ALL(TILE_STORE)
}

// Pixels in groups (12 when the channels fit in two vectors, else 6) over every output
// channel in chunks of up to 64. Returns the first pixel not done.
VNNI static int run_tiles(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int RT, int first, int8_t *out) {
    const ea_conv_shape *s = &p->s;
    const int P = s->out_h * s->out_w, O = s->out_c, Op = p->Op;
    const int px = Op <= 32 ? 12 : 6;
    for (; first + px <= P; first += px) {
        const uint8_t *b[TILE_MAX_PX];
        for (int j = 0; j < px; j++) b[j] = origin(p, img, rowBytes, first + j);
        int8_t *dst = out + (size_t)first * O;
        if (px == 12) {
            if (Op == 16) tile(p, b, rowBytes, RT, 0, 12, 1, dst);
            else tile(p, b, rowBytes, RT, 0, 12, 2, dst);
            continue;
        }
        for (int ob = 0; ob < Op;) {
            switch ((Op - ob) / 16) {
            case 1: tile(p, b, rowBytes, RT, ob, 6, 1, dst); ob += 16; break;
            case 2: tile(p, b, rowBytes, RT, ob, 6, 2, dst); ob += 32; break;
            case 3: tile(p, b, rowBytes, RT, ob, 6, 3, dst); ob += 48; break;
            default: tile(p, b, rowBytes, RT, ob, 6, 4, dst); ob += 64; break;
            }
        }
    }
    return first;
}

// EA_PIXELS pixels per pass, 16 output channels per vector. Returns the first pixel not done.
VNNI static int run_pixels4(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int RT, int first, int8_t *out) {
    const ea_conv_shape *s = &p->s;
    const int P = s->out_h * s->out_w, O = s->out_c, Op = p->Op;
    const int8_t *w = (const int8_t *)p->w;
    for (; first + EA_PIXELS <= P; first += EA_PIXELS) {
        const uint8_t *b[EA_PIXELS];
        for (int j = 0; j < EA_PIXELS; j++) b[j] = origin(p, img, rowBytes, first + j);
        for (int ob = 0; ob < Op; ob += 16) {
            __m512i a0 = _mm512_loadu_si512((const void *)(p->bias_eff + ob));
            __m512i a1 = a0, a2 = a0, a3 = a0;
            const int8_t *wk = w + (size_t)ob * 4;
            for (int ky = 0; ky < s->kernel_h; ky++) {
                const size_t ro = (size_t)ky * rowBytes;
                for (int t = 0; t < RT; t++, wk += (size_t)Op * 4) {
                    __m512i wv = _mm512_loadu_si512((const void *)wk);
                    int32_t v0, v1, v2, v3;
                    memcpy(&v0, b[0] + ro + 4 * t, 4); memcpy(&v1, b[1] + ro + 4 * t, 4);
                    memcpy(&v2, b[2] + ro + 4 * t, 4); memcpy(&v3, b[3] + ro + 4 * t, 4);
                    a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(v0), wv);
                    a1 = _mm512_dpbusd_epi32(a1, _mm512_set1_epi32(v1), wv);
                    a2 = _mm512_dpbusd_epi32(a2, _mm512_set1_epi32(v2), wv);
                    a3 = _mm512_dpbusd_epi32(a3, _mm512_set1_epi32(v3), wv);
                }
            }
            int8_t *dst = out + (size_t)first * O;
            store16(p, a0, ob, dst);
            store16(p, a1, ob, dst + O);
            store16(p, a2, ob, dst + 2 * O);
            store16(p, a3, ob, dst + 3 * O);
        }
    }
    return first;
}

// The last pixels, one at a time.
VNNI static void run_tail(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int RT, int first, int8_t *out) {
    const ea_conv_shape *s = &p->s;
    const int P = s->out_h * s->out_w, O = s->out_c, Op = p->Op;
    const int8_t *w = (const int8_t *)p->w;
    for (; first < P; first++) {
        const uint8_t *b0 = origin(p, img, rowBytes, first);
        for (int ob = 0; ob < Op; ob += 16) {
            __m512i a0 = _mm512_loadu_si512((const void *)(p->bias_eff + ob));
            const int8_t *wk = w + (size_t)ob * 4;
            for (int ky = 0; ky < s->kernel_h; ky++) {
                const uint8_t *r = b0 + (size_t)ky * rowBytes;
                for (int t = 0; t < RT; t++, wk += (size_t)Op * 4) {
                    int32_t v0;
                    memcpy(&v0, r + 4 * t, 4);
                    a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(v0), _mm512_loadu_si512((const void *)wk));
                }
            }
            store16(p, a0, ob, out + (size_t)first * O);
        }
    }
}

VNNI void ea_conv_run_avx512vnni(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    const ea_conv_shape *s = &p->s;
    const int RT = ((s->kernel_w * s->in_c + 3) & ~3) / 4;
    const size_t rowBytes = (size_t)ea_padded_w(s) * s->in_c;
    uint8_t *img = (uint8_t *)ea_scratch_image(p, scratch);
    image_u8(p, in, img);
    int first = p->paired ? run_paired(p, img, rowBytes, RT, out) : run_tiles(p, img, rowBytes, RT, 0, out);
    first = run_pixels4(p, img, rowBytes, RT, first, out);
    run_tail(p, img, rowBytes, RT, first, out);
}
#endif
