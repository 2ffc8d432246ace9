// AArch64 NEON convolution without the dot-product extension: the input converted once
// per call to int16 x − zp, weights int16, smlal/smlal2 widen 16×16 products into int32
// lanes; requantisation in registers (vqrdmulh + rounding shift).
// 8 output channels per step (two int32x4), EA_PIXELS pixels per pass.
// Packed weights: int16 [K][Op], Op = out_c rounded up to 8.
#if defined(__aarch64__)
#include "conv_plan.h"
#include "neon_requant.h"
#include <arm_neon.h>
#include <stdlib.h>

int ea_conv_pack_neon(ea_conv_plan *p) {
    const int K = p->K, O = p->s.out_c;
    p->Kp = K;
    p->Op = (O + 7) & ~7;
    int16_t *w = (int16_t *)calloc((size_t)K * p->Op, sizeof(int16_t));
    p->bias_eff = (int32_t *)calloc((size_t)p->Op, sizeof(int32_t));
    if (!w || !p->bias_eff || !ea_pad_requant(p)) { free(w); return 0; }
    for (int k = 0; k < K; k++)
        for (int o = 0; o < O; o++) w[(size_t)k * p->Op + o] = p->wref[(size_t)o * K + k];
    for (int o = 0; o < O; o++) p->bias_eff[o] = p->bias[o];
    p->w = w;
    return 1;
}

void ea_conv_run_neon(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    const int P = p->s.out_h * p->s.out_w, OW = p->s.out_w, Kp = p->Kp, Op = p->Op, O = p->s.out_c;
    int16_t *patch = (int16_t *)ea_scratch_patches(p, scratch);
    int16_t *img = (int16_t *)ea_scratch_image(p, scratch);
    const int16_t *w = (const int16_t *)p->w;
    const size_t n = (size_t)p->s.in_h * p->s.in_w * p->s.in_c;
    const int16x8_t zp = vdupq_n_s16((int16_t)p->s.in_zp);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) vst1q_s16(img + i, vsubq_s16(vmovl_s8(vld1_s8(in + i)), zp));
    for (; i < n; i++) img[i] = (int16_t)(in[i] - p->s.in_zp);
    for (int first = 0; first < P; first += EA_PIXELS) {
        int np = P - first < EA_PIXELS ? P - first : EA_PIXELS;
        for (int j = 0; j < np; j++) ea_patch16(p, img, (first + j) / OW, (first + j) % OW, patch + (size_t)j * Kp);
        for (int ob = 0; ob < Op; ob += 8) {
            int32x4_t lo[EA_PIXELS], hi[EA_PIXELS];
            for (int j = 0; j < EA_PIXELS; j++) { lo[j] = vld1q_s32(p->bias_eff + ob); hi[j] = vld1q_s32(p->bias_eff + ob + 4); }
            for (int k = 0; k < Kp; k++) {
                int16x8_t wv = vld1q_s16(w + (size_t)k * Op + ob);
                for (int j = 0; j < np; j++) {
                    int16_t x = patch[(size_t)j * Kp + k];
                    lo[j] = vmlal_n_s16(lo[j], vget_low_s16(wv), x);
                    hi[j] = vmlal_high_n_s16(hi[j], wv, x);
                }
            }
            for (int j = 0; j < np; j++) {
                int8_t *dst = out + (size_t)(first + j) * O;
                ea_store4(p, lo[j], ob, dst);
                if (ob + 4 < O) ea_store4(p, hi[j], ob + 4, dst);
            }
        }
    }
}
#endif
