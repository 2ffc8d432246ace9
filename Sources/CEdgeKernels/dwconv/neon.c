// AArch64 NEON depthwise convolution, depth multiplier 1, any kernel/stride per axis and
// any padding: 8 channels per block, one smlal/smlal2 pair per tap (int16 x − zp times
// int16 w into int32 lanes; exact, and the running sum stays within the loader's bound
// |bias| + K·255·127 < 2^31). Requantisation in registers (vqrdmulh + rounding shift).
// NEON-dot runs it too for kernels wider than 4 taps (dwconv/neondot.c covers ≤ 4).
// The input is converted once per call to a zero-padded int16 image with channel stride
// C rounded up to 8. Packed weights: int16 [block][tap][8].
#if defined(__aarch64__)
#include "conv_plan.h"
#include "neon_requant.h"
#include <arm_neon.h>
#include <stdlib.h>
#include <string.h>

int ea_dwconv_pack_neon(ea_conv_plan *p) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, T = s->kernel_h * s->kernel_w, blocks = (C + 7) / 8;
    p->Kp = p->K;
    p->Op = blocks * 8;
    p->dw_block = 8;
    p->dw_cp = blocks * 8;
    p->dw_hp = ea_padded_h(s);
    p->dw_wp = ea_padded_w(s);
    int16_t *w = (int16_t *)calloc((size_t)blocks * T * 8, sizeof(int16_t));
    p->bias_eff = (int32_t *)calloc((size_t)p->Op, sizeof(int32_t));
    p->dw_tap = (int32_t *)calloc((size_t)T, sizeof(int32_t));
    if (!w || !p->bias_eff || !p->dw_tap || !ea_pad_requant(p)) { free(w); return 0; }
    for (int a = 0; a < T; a++) p->dw_tap[a] = ((a / s->kernel_w) * p->dw_wp + a % s->kernel_w) * p->dw_cp;
    for (int c = 0; c < C; c++) {
        p->bias_eff[c] = p->bias[c];
        for (int a = 0; a < T; a++) w[((size_t)(c / 8) * T + a) * 8 + c % 8] = p->wref[(size_t)c * T + a];
    }
    p->w = w;
    return 1;
}

void ea_dwconv_run_neon(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, Cp = p->dw_cp, blocks = Cp / 8, T = s->kernel_h * s->kernel_w;
    int16_t *img = (int16_t *)ea_scratch_image(p, scratch);
    memset(img, 0, (size_t)p->dw_hp * p->dw_wp * Cp * sizeof(int16_t));
    const int16x8_t zp = vdupq_n_s16((int16_t)s->in_zp);
    for (int y = 0; y < s->in_h; y++)
        for (int x = 0; x < s->in_w; x++) {
            const int8_t *src = in + ((size_t)y * s->in_w + x) * C;
            int16_t *dst = img + ((size_t)(y + s->pad_top) * p->dw_wp + x + s->pad_left) * Cp;
            int c = 0;
            for (; c + 8 <= C; c += 8) vst1q_s16(dst + c, vsubq_s16(vmovl_s8(vld1_s8(src + c)), zp));
            for (; c < C; c++) dst[c] = (int16_t)(src[c] - s->in_zp);
        }
    const int16_t *wbase = (const int16_t *)p->w;
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox++) {
            const int16_t *base = img + ((size_t)(oy * s->stride_h) * p->dw_wp + (size_t)ox * s->stride_w) * Cp;
            int8_t *dst = out + ((size_t)oy * s->out_w + ox) * C;
            for (int b = 0; b < blocks; b++) {
                int32x4_t lo = vld1q_s32(p->bias_eff + 8 * b), hi = vld1q_s32(p->bias_eff + 8 * b + 4);
                const int16_t *wk = wbase + (size_t)b * T * 8;
                const int16_t *xb = base + 8 * b;
                for (int a = 0; a < T; a++, wk += 8) {
                    int16x8_t xv = vld1q_s16(xb + p->dw_tap[a]), wv = vld1q_s16(wk);
                    lo = vmlal_s16(lo, vget_low_s16(xv), vget_low_s16(wv));
                    hi = vmlal_high_s16(hi, xv, wv);
                }
                ea_store4(p, lo, 8 * b, dst);
                if (8 * b + 4 < C) ea_store4(p, hi, 8 * b + 4, dst);
            }
        }
}
#endif
