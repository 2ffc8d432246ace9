// x86-64 AVX2 convolution: the input converted once per call to a zero-padded int16 image
// x − zp (windows are read in place, kernel rows padded to pairs with zero weights), weights
// as int16 pairs; vpmaddwd multiplies 16-bit pairs into exact 32-bit sums (|2·255·127| < 2^31),
// so unlike vpmaddubsw nothing saturates. Register tiles of 6 pixels × 16 channels (12
// accumulators; each weight load serves 6 pixels, each broadcast 2 vectors) or 12 pixels ×
// 8 channels for the last block, then 4, 2, 1 pixels. Requantisation in registers: the
// binary32 bracket (x86_requant.h ea_fq8, 10 operations per 8 outputs) where the plan proves
// it, a tile with an undecided lane redone by the exact stage (ea_requant8, about 20),
// which also serves the plans the bracket does not take. Bit-exact with ea_requant.
// Packed weights: int16 [kh][R/2][Op][2], R = kw·C rounded up to 2 (Kp = kh·R), Op = out_c rounded up to 8.
// Any kernel and stride per axis and any top/left/bottom/right padding (the stored image is
// padded by pad_top/pad_left and as far right/down as the windows reach).
#if defined(__x86_64__)
#include "conv_plan.h"
#include "x86_requant.h"
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

int ea_conv_pack_avx2(ea_conv_plan *p) {
    const int K = p->K, O = p->s.out_c, k = p->s.kernel_h, run = p->s.kernel_w * p->s.in_c;
    const int R = (run + 1) & ~1;
    p->Kp = k * R;
    p->Op = (O + 7) & ~7;
    int16_t *w = (int16_t *)calloc((size_t)p->Kp * p->Op, sizeof(int16_t));
    p->bias_eff = (int32_t *)calloc((size_t)p->Op, sizeof(int32_t));
    if (!w || !p->bias_eff || !ea_pad_requant(p)) { free(w); return 0; }
    for (int ky = 0; ky < k; ky++)
        for (int t = 0; t < R / 2; t++)
            for (int o = 0; o < O; o++)
                for (int e = 0; e < 2; e++) {
                    int j = 2 * t + e;
                    w[(((size_t)ky * (R / 2) + t) * p->Op + o) * 2 + e] = j < run ? p->wref[(size_t)o * K + ky * run + j] : 0;
                }
    for (int o = 0; o < O; o++) p->bias_eff[o] = p->bias[o];
    p->w = w;
    // The binary32 stage needs FMA (every AVX2 CPU so far has it; the ISA check does not ask).
    __builtin_cpu_init();
    return __builtin_cpu_supports("fma") ? ea_fq_plan(p, EA_FQ_RN_MARGIN) : 1;
}

#define AVX2 EA_AVX2FMA

// The exact stage of 8 accumulators of channels ob… into dst (only the channels that exist).
AVX2 static inline void store8(const ea_conv_plan *p, __m256i acc, int ob, int8_t *dst) {
    __m256i v = ea_requant8_ls(acc, _mm256_loadu_si256((const __m256i *)(p->mult_p + ob)), _mm256_loadu_si256((const __m256i *)(p->lshift_p + ob)),
                               _mm256_loadu_si256((const __m256i *)(p->rshift_p + ob)));
    v = _mm256_add_epi32(v, _mm256_set1_epi32(p->s.out_zp));
    v = _mm256_max_epi32(v, _mm256_set1_epi32(p->s.act_min));
    v = _mm256_min_epi32(v, _mm256_set1_epi32(p->s.act_max));
    // Values are in [-128, 127]: narrowing by packs cannot saturate.
    __m256i w16 = _mm256_packs_epi32(v, v);
    __m256i b8 = _mm256_packs_epi16(w16, w16);
    __m256i g = _mm256_permutevar8x32_epi32(b8, _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4));
    int left = p->s.out_c - ob;
    if (left >= 8) {
        _mm_storel_epi64((__m128i *)(dst + ob), _mm256_castsi256_si128(g));
    } else {
        int8_t tmp[16];
        _mm_storeu_si128((__m128i *)tmp, _mm256_castsi256_si128(g));
        memcpy(dst + ob, tmp, (size_t)(left > 0 ? left : 0));
    }
}

// Final int32 outputs (in [-128, 127]) of channels ob… into dst: 8 or 16 of them.
AVX2 static inline void put8(const ea_conv_plan *p, __m256i v, int ob, int8_t *dst) {
    __m256i b8 = _mm256_packs_epi16(_mm256_packs_epi32(v, v), v);
    __m128i g = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(b8, _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4)));
    int left = p->s.out_c - ob;
    if (left >= 8) { _mm_storel_epi64((__m128i *)(dst + ob), g); return; }
    int8_t tmp[16];
    _mm_storeu_si128((__m128i *)tmp, g);
    memcpy(dst + ob, tmp, (size_t)(left > 0 ? left : 0));
}
AVX2 static inline void put16(const ea_conv_plan *p, __m256i v0, __m256i v1, int ob, int8_t *dst) {
    // packs works per 128-bit lane: v0[0..3] v1[0..3] | v0[4..7] v1[4..7]; reorder the
    // 64-bit quarters to channels 0…15 before the byte narrowing.
    __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(v0, v1), 0xD8);
    __m128i b = _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
    int left = p->s.out_c - ob;
    if (left >= 16) { _mm_storeu_si128((__m128i *)(dst + ob), b); return; }
    int8_t tmp[16];
    _mm_storeu_si128((__m128i *)tmp, b);
    memcpy(dst + ob, tmp, (size_t)(left > 0 ? left : 0));
}

// A tile whose binary32 stage left a lane undecided, through the exact stage (out of line:
// about one tile in a hundred).
AVX2 __attribute__((noinline)) static void tile_exact(const ea_conv_plan *p, const __m256i *acc, int NP, int NB, int ob, int8_t *dst) {
    const int O = p->s.out_c;
    for (int j = 0; j < NP; j++)
        for (int nb = 0; nb < NB; nb++) store8(p, acc[j * NB + nb], ob + 8 * nb, dst + (size_t)j * O);
}

// NP output pixels (window origins b[j]) × NB blocks of 8 channels from ob: the sum over
// kernel rows and int16 pairs, then the output stage F (0 exact, 1 or 2 the binary32 bracket,
// 2 with the constants picked by sign). NP·NB ≤ 12 keeps the accumulators in registers.
// Accumulators are named variables, not an array: clang keeps an array of vectors in memory
// beside its registers and stores every update (as in conv/avx512vnni.c).
#define T_INIT(j) __m256i a##j##0 = bias0, a##j##1 = bias1;
#define T_STEP(j) if (NP > j) { int32_t v; memcpy(&v, b[j] + ro + 2 * t, 4); const __m256i x = _mm256_set1_epi32(v); \
    a##j##0 = _mm256_add_epi32(a##j##0, _mm256_madd_epi16(x, w0)); \
    if (NB == 2) a##j##1 = _mm256_add_epi32(a##j##1, _mm256_madd_epi16(x, w1)); }
#define T_EXACT(j) if (NP > j) { store8(p, a##j##0, ob, dst + (size_t)(j) * O); if (NB == 2) store8(p, a##j##1, ob + 8, dst + (size_t)(j) * O); }
#define T_FAST(j) if (NP > j) { if (NB == 1) put8(p, ea_fq8_apply(&f0, a##j##0, lo_c, hi_c, &und, F), ob, dst + (size_t)(j) * O); \
    else put16(p, ea_fq8_apply(&f0, a##j##0, lo_c, hi_c, &und, F), ea_fq8_apply(&f1, a##j##1, lo_c, hi_c, &und, F), ob, dst + (size_t)(j) * O); }
#define T_KEEP(j) if (NP > j) { keep[(j) * NB] = a##j##0; if (NB == 2) keep[(j) * NB + 1] = a##j##1; }
#define T_ALL(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11)
AVX2 static inline __attribute__((always_inline)) void tile(const ea_conv_plan *p, const int16_t *const *b, size_t rowElems, int RT, int ob,
                                                             const int NP, const int NB, const int F, int8_t *dst) {
    const int16_t *w = (const int16_t *)p->w;
    const int Op = p->Op, O = p->s.out_c, k = p->s.kernel_h;
    const __m256i bias0 = _mm256_loadu_si256((const __m256i *)(p->bias_eff + ob));
    const __m256i bias1 = NB == 2 ? _mm256_loadu_si256((const __m256i *)(p->bias_eff + ob + 8)) : bias0;
    T_ALL(T_INIT)
    const int16_t *wk = w + (size_t)ob * 2;
    for (int ky = 0; ky < k; ky++) {
        const size_t ro = (size_t)ky * rowElems;
        for (int t = 0; t < RT; t++, wk += (size_t)Op * 2) {
            const __m256i w0 = _mm256_loadu_si256((const __m256i *)wk);
            const __m256i w1 = NB == 2 ? _mm256_loadu_si256((const __m256i *)(wk + 16)) : w0;
            T_ALL(T_STEP)
        }
    }
    if (F == 0) { T_ALL(T_EXACT) return; }
    const __m256 lo_c = _mm256_set1_ps((float)p->s.act_min), hi_c = _mm256_set1_ps((float)p->s.act_max);
    __m256 und = _mm256_setzero_ps();
    const ea_fq8 f0 = ea_fq8_load(p->fq, Op, ob, F);
    const ea_fq8 f1 = ea_fq8_load(p->fq, Op, NB == 2 ? ob + 8 : ob, F);
    T_ALL(T_FAST)
    if (__builtin_expect(_mm256_movemask_ps(und) != 0, 0)) {
        __m256i keep[24];
        T_ALL(T_KEEP)
        tile_exact(p, keep, NP, NB, ob, dst);
    }
}

// Output pixels [first, P) in tiles, with output stage F.
AVX2 static inline __attribute__((always_inline)) void run_tiles(const ea_conv_plan *p, const int16_t *img, size_t rowElems, int RT,
                                                                  int first, int P, int8_t *out, const int F) {
    const ea_conv_shape *s = &p->s;
    const int OW = s->out_w, Op = p->Op, O = s->out_c, C = s->in_c;
    const size_t ystep = (size_t)s->stride_h * rowElems, xstep = (size_t)s->stride_w * C;
    int oy = first / OW, ox = first % OW;
    while (first < P) {
        const int left = P - first;
        const int np = left >= 12 ? 12 : left >= 6 ? 6 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
        const int16_t *b[12];
        // Window origins of the next np pixels, in row-major order across output rows.
        for (int j = 0, y = oy, x = ox; j < np; j++) {
            b[j] = img + (size_t)y * ystep + (size_t)x * xstep;
            if (++x == OW) { x = 0; y++; }
        }
        int8_t *dst = out + (size_t)first * O;
        int ob = 0;
        if (np >= 6) {
            for (; ob + 16 <= Op; ob += 16) {
                tile(p, b, rowElems, RT, ob, 6, 2, F, dst);
                if (np == 12) tile(p, b + 6, rowElems, RT, ob, 6, 2, F, dst + (size_t)6 * O);
            }
            if (ob < Op) {
                if (np == 12) tile(p, b, rowElems, RT, ob, 12, 1, F, dst);
                else tile(p, b, rowElems, RT, ob, 6, 1, F, dst);
            }
        } else if (np == 4) {
            for (; ob + 16 <= Op; ob += 16) tile(p, b, rowElems, RT, ob, 4, 2, F, dst);
            if (ob < Op) tile(p, b, rowElems, RT, ob, 4, 1, F, dst);
        } else if (np == 2) {
            for (; ob + 16 <= Op; ob += 16) tile(p, b, rowElems, RT, ob, 2, 2, F, dst);
            if (ob < Op) tile(p, b, rowElems, RT, ob, 2, 1, F, dst);
        } else {
            for (; ob + 16 <= Op; ob += 16) tile(p, b, rowElems, RT, ob, 1, 2, F, dst);
            if (ob < Op) tile(p, b, rowElems, RT, ob, 1, 1, F, dst);
        }
        first += np;
        ox += np;
        while (ox >= OW && OW > 0) { ox -= OW; oy++; }
    }
}

// Rows [r0, r1) of the padded centred image x − zp (borders 0, the real 0), and the slack
// past the last row when r1 reaches it: a thread builds the rows its output rows read.
AVX2 void ea_image16_rows_avx2(const ea_conv_plan *p, const int8_t *in, int16_t *img, int r0, int r1) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, Hp = ea_padded_h(s);
    const size_t rowElems = (size_t)ea_padded_w(s) * C, interior = (size_t)s->in_w * C, left = (size_t)s->pad_left * C;
    if (r0 < 0) r0 = 0;
    if (r1 > Hp) r1 = Hp;
    const __m256i zp = _mm256_set1_epi16((short)s->in_zp);
    for (int r = r0; r < r1; r++) {
        int16_t *row = img + (size_t)r * rowElems;
        const int y = r - s->pad_top;
        if (y < 0 || y >= s->in_h) { memset(row, 0, rowElems * sizeof(int16_t)); continue; }
        // Only the border is zeroed: every interior element is written below.
        memset(row, 0, left * sizeof(int16_t));
        memset(row + left + interior, 0, (rowElems - left - interior) * sizeof(int16_t));
        const int8_t *src = in + (size_t)y * interior;
        int16_t *dst = row + left;
        size_t i = 0;
        for (; i + 16 <= interior; i += 16)
            _mm256_storeu_si256((__m256i *)(dst + i), _mm256_sub_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(src + i))), zp));
        for (; i < interior; i++) dst[i] = (int16_t)(src[i] - s->in_zp);
    }
    if (r1 == Hp) memset(img + (size_t)Hp * rowElems, 0, 32 * sizeof(int16_t));
}

// Output rows [oy0, oy1) from the image (read only: threads may share it).
AVX2 void ea_conv_rows_avx2(const ea_conv_plan *p, const int16_t *img, int8_t *out, int oy0, int oy1) {
    const ea_conv_shape *s = &p->s;
    const int RT = ((s->kernel_w * s->in_c + 1) & ~1) / 2;
    const size_t rowElems = (size_t)ea_padded_w(s) * s->in_c;
    const int first = oy0 * s->out_w, last = oy1 * s->out_w;
    if (p->rq_fast == 1) run_tiles(p, img, rowElems, RT, first, last, out, 1);
    else if (p->rq_fast == 2) run_tiles(p, img, rowElems, RT, first, last, out, 2);
    else run_tiles(p, img, rowElems, RT, first, last, out, 0);
}

AVX2 void ea_conv_run_avx2(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    int16_t *img = (int16_t *)ea_scratch_image(p, scratch);
    ea_image16_rows_avx2(p, in, img, 0, ea_padded_h(&p->s));
    ea_conv_rows_avx2(p, img, out, 0, p->s.out_h);
}
#endif
