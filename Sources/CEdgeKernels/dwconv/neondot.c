// AArch64 depthwise convolution with the dot-product extension (sdot), depth multiplier 1,
// kernel width ≤ 4, any kernel height, stride and padding. sdot sums four int8 products
// into one int32 lane, and for a depthwise layer the four must be four taps of one
// channel: so the padded input (raw int8, padding = in_zp) is rewritten once per call into
// a tap image T4[y][x][c][j] = img[y][x + j][c], j = 0…3 (a 4×16-byte transpose by
// zip1/zip2 per pixel), and one output row ky of a window is one 16-byte load per four
// channels; taps kx ≥ kernel_w have weight 0. The bias absorbs the zero point,
// Σ (x − zp)·w = Σ x·w − zp·Σ w (padded positions hold zp, so they cancel exactly);
// intermediate sums may wrap, the final one is exact (loader's accumulator bound).
// 16 channels per block; requantisation in registers (vqrdmulh + rounding shift).
// Packed weights: int8 [block][ky][4 groups][4 channels][4 taps].
#if defined(__aarch64__)
#include "conv_plan.h"
#include "neon_requant.h"
#include <arm_neon.h>
#include <stdlib.h>
#include <string.h>

int ea_dwconv_pack_neondot(ea_conv_plan *p) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, kh = s->kernel_h, kw = s->kernel_w, T = kh * kw, blocks = (C + 15) / 16;
    p->Kp = p->K;
    p->Op = blocks * 16;
    p->dw_block = 16;
    p->dw_cp = blocks * 16;
    p->dw_hp = ea_padded_h(s);
    p->dw_wp = ea_padded_w(s);
    p->dw_t4 = 1;
    int8_t *w = (int8_t *)calloc((size_t)blocks * kh * 64, 1);
    p->bias_eff = (int32_t *)calloc((size_t)p->Op, sizeof(int32_t));
    if (!w || !p->bias_eff || !ea_pad_requant(p)) { free(w); return 0; }
    for (int c = 0; c < C; c++) {
        int64_t sum = 0;
        for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++) {
                int8_t v = p->wref[(size_t)c * T + ky * kw + kx];
                w[(((size_t)(c / 16) * kh + ky) * 16 + c % 16) * 4 + kx] = v;
                sum += v;
            }
        p->bias_eff[c] = (int32_t)((int64_t)p->bias[c] - (int64_t)s->in_zp * sum);
    }
    p->w = w;
    return 1;
}

__attribute__((target("arch=armv8.2-a+dotprod")))
void ea_dwconv_run_neondot(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, Cp = p->dw_cp, blocks = Cp / 16, kh = s->kernel_h;
    const int Hp = p->dw_hp, Wp = p->dw_wp, Wi = Wp + 3;  // 3 columns of slack for the last taps
    int8_t *img = (int8_t *)ea_scratch_image(p, scratch);
    int8_t *t4 = img + (((size_t)Hp * Wi * Cp + 63) & ~(size_t)63);
    // The raw padded image: every position the real 0 (zp) except the interior.
    memset(img, (int8_t)s->in_zp, (size_t)Hp * Wi * Cp);
    for (int y = 0; y < s->in_h; y++)
        for (int x = 0; x < s->in_w; x++)
            memcpy(img + ((size_t)(y + s->pad_top) * Wi + x + s->pad_left) * Cp, in + ((size_t)y * s->in_w + x) * C, (size_t)C);
    // The tap image: 16 channels of 4 neighbouring pixels become 4 groups of (4 channels × 4 taps).
    for (int y = 0; y < Hp; y++)
        for (int x = 0; x < Wp; x++)
            for (int b = 0; b < blocks; b++) {
                const int8_t *src = img + ((size_t)y * Wi + x) * Cp + 16 * b;
                int8x16_t a0 = vld1q_s8(src), a1 = vld1q_s8(src + Cp), a2 = vld1q_s8(src + 2 * Cp), a3 = vld1q_s8(src + 3 * Cp);
                int16x8_t z01l = vreinterpretq_s16_s8(vzip1q_s8(a0, a1)), z23l = vreinterpretq_s16_s8(vzip1q_s8(a2, a3));
                int16x8_t z01h = vreinterpretq_s16_s8(vzip2q_s8(a0, a1)), z23h = vreinterpretq_s16_s8(vzip2q_s8(a2, a3));
                int8_t *dst = t4 + (((size_t)y * Wp + x) * Cp + 16 * b) * 4;
                vst1q_s8(dst, vreinterpretq_s8_s16(vzip1q_s16(z01l, z23l)));
                vst1q_s8(dst + 16, vreinterpretq_s8_s16(vzip2q_s16(z01l, z23l)));
                vst1q_s8(dst + 32, vreinterpretq_s8_s16(vzip1q_s16(z01h, z23h)));
                vst1q_s8(dst + 48, vreinterpretq_s8_s16(vzip2q_s16(z01h, z23h)));
            }
    const int8_t *wbase = (const int8_t *)p->w;
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox++) {
            int8_t *dst = out + ((size_t)oy * s->out_w + ox) * C;
            for (int b = 0; b < blocks; b++) {
                int32x4_t acc[4];
                for (int g = 0; g < 4; g++) acc[g] = vld1q_s32(p->bias_eff + 16 * b + 4 * g);
                const int8_t *wk = wbase + (size_t)b * kh * 64;
                for (int ky = 0; ky < kh; ky++, wk += 64) {
                    const int8_t *x4 = t4 + (((size_t)(oy * s->stride_h + ky) * Wp + (size_t)ox * s->stride_w) * Cp + 16 * b) * 4;
                    for (int g = 0; g < 4; g++) acc[g] = vdotq_s32(acc[g], vld1q_s8(x4 + 16 * g), vld1q_s8(wk + 16 * g));
                }
                for (int g = 0; g < 4; g++)
                    if (16 * b + 4 * g < C) ea_store4(p, acc[g], 16 * b + 4 * g, dst);
            }
        }
}
#endif
