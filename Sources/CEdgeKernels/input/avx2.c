// x86-64 AVX2 table input when every channel's table is a byte shift, t[i] = i + k (mod 256):
// what an imported net's usual input quantisation (scale 1/255, zero point −128) gives. One
// byte add per 32 values, the shifts repeating with the channels (any c ≤ 8, interleaved);
// planar RGB (the engine's layout for three channels) interleaved by byte shuffles.
#if defined(__x86_64__)
#include "conv_plan.h"
#include <immintrin.h>
#include <string.h>

int ea_u8_table_shifts(int c, const int8_t *table, int8_t *k) {
    if (c < 1 || c > 8) return 0;
    for (int ch = 0; ch < c; ch++) {
        const int8_t *t = table + (size_t)ch * 256;
        k[ch] = t[0];
        for (int i = 1; i < 256; i++)
            if ((uint8_t)t[i] != (uint8_t)(i + (uint8_t)t[0])) return 0;
    }
    return 1;
}

__attribute__((target("avx2"))) void ea_u8_shift_avx2(size_t n, int c, const int8_t *k, const uint8_t *px, int8_t *out) {
    // c vectors of 32 bytes hold lcm(c, 32) / 32 ≤ c periods of the shift pattern exactly.
    uint8_t pat[8 * 32];
    for (int i = 0; i < 32 * c; i++) pat[i] = (uint8_t)k[i % c];
    __m256i v[8];
    for (int j = 0; j < c; j++) v[j] = _mm256_loadu_si256((const __m256i *)(pat + 32 * j));
    size_t i = 0;
    int j = 0;
    for (; i + 32 <= n; i += 32) {
        _mm256_storeu_si256((__m256i *)(out + i), _mm256_add_epi8(_mm256_loadu_si256((const __m256i *)(px + i)), v[j]));
        if (++j == c) j = 0;
    }
    for (; i < n; i++) out[i] = (int8_t)(uint8_t)(px[i] + (uint8_t)k[i % (size_t)c]);
}

// Planar RGB → interleaved, shifted: 16 pixels per step, each 16-byte output chunk the OR of
// one byte shuffle of each plane (index, or 0x80 for a zero byte).
__attribute__((target("avx2"))) void ea_u8_shift3_planar_avx2(size_t hw, const int8_t *k, const uint8_t *px, int8_t *out) {
    __m128i m[3][3];   // m[chunk][plane]
    for (int q = 0; q < 3; q++)
        for (int c = 0; c < 3; c++) {
            uint8_t idx[16];
            for (int b = 0; b < 16; b++) {
                const int at = 16 * q + b;   // output byte at = 3·pixel + channel
                idx[b] = at % 3 == c ? (uint8_t)(at / 3) : 0x80;
            }
            memcpy(&m[q][c], idx, 16);
        }
    const __m128i k0 = _mm_set1_epi8(k[0]), k1 = _mm_set1_epi8(k[1]), k2 = _mm_set1_epi8(k[2]);
    size_t p = 0;
    for (; p + 16 <= hw; p += 16) {
        const __m128i r = _mm_add_epi8(_mm_loadu_si128((const __m128i *)(px + p)), k0);
        const __m128i g = _mm_add_epi8(_mm_loadu_si128((const __m128i *)(px + hw + p)), k1);
        const __m128i b = _mm_add_epi8(_mm_loadu_si128((const __m128i *)(px + 2 * hw + p)), k2);
        for (int q = 0; q < 3; q++)
            _mm_storeu_si128((__m128i *)(out + 3 * p + 16 * q),
                             _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(r, m[q][0]), _mm_shuffle_epi8(g, m[q][1])), _mm_shuffle_epi8(b, m[q][2])));
    }
    for (; p < hw; p++)
        for (int c = 0; c < 3; c++) out[3 * p + c] = (int8_t)(uint8_t)(px[(size_t)c * hw + p] + (uint8_t)k[c]);
}
#endif
