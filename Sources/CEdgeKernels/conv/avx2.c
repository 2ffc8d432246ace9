// x86-64 AVX2 convolution: the input converted once per call to a zero-padded int16 image
// x − zp (windows are read in place, kernel rows padded to pairs with zero weights), weights
// as int16 pairs; vpmaddwd multiplies 16-bit pairs into exact 32-bit sums (|2·255·127| < 2^31),
// so unlike vpmaddubsw nothing saturates. 8 output channels per vector, EA_PIXELS pixels
// per pass; requantisation runs in registers (8 lanes), bit-exact with ea_requant.
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
    return 1;
}

#define AVX2 __attribute__((target("avx2")))

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
        memcpy(dst + ob, tmp, (size_t)left);
    }
}

AVX2 void ea_conv_run_avx2(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    const ea_conv_shape *s = &p->s;
    const int OW = s->out_w, Op = p->Op, O = s->out_c, C = s->in_c, k = s->kernel_h;
    const int P = s->out_h * OW, R = (s->kernel_w * C + 1) & ~1, RT = R / 2;
    const int Wp = ea_padded_w(s), Hp = ea_padded_h(s);
    const size_t rowElems = (size_t)Wp * C;
    int16_t *img = (int16_t *)ea_scratch_image(p, scratch);
    const int16_t *w = (const int16_t *)p->w;
    // The padded centred image x − zp; borders hold 0 (the real 0).
    memset(img, 0, ((size_t)Hp * rowElems + 32) * sizeof(int16_t));
    const __m256i zp = _mm256_set1_epi16((short)s->in_zp);
    const size_t inRow = (size_t)s->in_w * C;
    for (int y = 0; y < s->in_h; y++) {
        const int8_t *src = in + (size_t)y * inRow;
        int16_t *dst = img + (size_t)(y + s->pad_top) * rowElems + (size_t)s->pad_left * C;
        size_t i = 0;
        for (; i + 16 <= inRow; i += 16)
            _mm256_storeu_si256((__m256i *)(dst + i), _mm256_sub_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(src + i))), zp));
        for (; i < inRow; i++) dst[i] = (int16_t)(src[i] - s->in_zp);
    }
    int first = 0;
    for (; first + EA_PIXELS <= P; first += EA_PIXELS) {
        const int16_t *b[EA_PIXELS];
        for (int j = 0; j < EA_PIXELS; j++) {
            int oy = (first + j) / OW, ox = (first + j) % OW;
            b[j] = img + (size_t)(oy * s->stride_h) * rowElems + (size_t)(ox * s->stride_w) * C;
        }
        for (int ob = 0; ob < Op; ob += 8) {
            __m256i a0 = _mm256_loadu_si256((const __m256i *)(p->bias_eff + ob));
            __m256i a1 = a0, a2 = a0, a3 = a0;
            const int16_t *wk = w + (size_t)ob * 2;
            for (int ky = 0; ky < k; ky++) {
                const size_t ro = (size_t)ky * rowElems;
                for (int t = 0; t < RT; t++, wk += (size_t)Op * 2) {
                    __m256i wv = _mm256_loadu_si256((const __m256i *)wk);
                    int32_t v0, v1, v2, v3;
                    memcpy(&v0, b[0] + ro + 2 * t, 4); memcpy(&v1, b[1] + ro + 2 * t, 4);
                    memcpy(&v2, b[2] + ro + 2 * t, 4); memcpy(&v3, b[3] + ro + 2 * t, 4);
                    a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_set1_epi32(v0), wv));
                    a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_set1_epi32(v1), wv));
                    a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_set1_epi32(v2), wv));
                    a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_set1_epi32(v3), wv));
                }
            }
            int8_t *dst = out + (size_t)first * O;
            store8(p, a0, ob, dst);
            store8(p, a1, ob, dst + O);
            store8(p, a2, ob, dst + 2 * O);
            store8(p, a3, ob, dst + 3 * O);
        }
    }
    for (; first < P; first++) {
        int oy = first / OW, ox = first % OW;
        const int16_t *b0 = img + (size_t)(oy * s->stride_h) * rowElems + (size_t)(ox * s->stride_w) * C;
        for (int ob = 0; ob < Op; ob += 8) {
            __m256i a0 = _mm256_loadu_si256((const __m256i *)(p->bias_eff + ob));
            const int16_t *wk = w + (size_t)ob * 2;
            for (int ky = 0; ky < k; ky++) {
                const int16_t *r = b0 + (size_t)ky * rowElems;
                for (int t = 0; t < RT; t++, wk += (size_t)Op * 2) {
                    int32_t v0;
                    memcpy(&v0, r + 2 * t, 4);
                    a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_set1_epi32(v0), _mm256_loadu_si256((const __m256i *)wk)));
                }
            }
            store8(p, a0, ob, out + (size_t)first * O);
        }
    }
}
#endif
