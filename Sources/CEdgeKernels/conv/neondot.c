// AArch64 NEON with the dot-product extension (ARMv8.2 sdot): signed×signed bytes, so the
// window holds raw int8 x (padding = zp) and the bias absorbs the zero point:
//   Σ (x − zp)·w = Σ x·w − zp·Σ w.
// Intermediate sums may wrap; the final value is exact (accumulator bound).
// 4 output channels per int32x4, EA_PIXELS pixels per pass.
// Packed weights: int8 [Kp/4][Op][4], Kp = K rounded up to 4, Op = out_c rounded up to 4.
#if defined(__aarch64__)
#include "conv_plan.h"
#include "neon_requant.h"
#include <arm_neon.h>
#include <stdlib.h>
#include <string.h>

int ea_conv_pack_neondot(ea_conv_plan *p) {
    const int K = p->K, O = p->s.out_c;
    p->Kp = (K + 3) & ~3;
    p->Op = (O + 3) & ~3;
    int8_t *w = (int8_t *)calloc((size_t)p->Kp * p->Op, 1);
    p->bias_eff = (int32_t *)calloc((size_t)p->Op, sizeof(int32_t));
    if (!w || !p->bias_eff || !ea_pad_requant(p)) { free(w); return 0; }
    for (int t = 0; t < p->Kp / 4; t++)
        for (int o = 0; o < O; o++)
            for (int e = 0; e < 4; e++) {
                int k = 4 * t + e;
                w[((size_t)t * p->Op + o) * 4 + e] = k < K ? p->wref[(size_t)o * K + k] : 0;
            }
    for (int o = 0; o < O; o++) {
        int64_t sum = 0;
        for (int k = 0; k < K; k++) sum += p->wref[(size_t)o * K + k];
        p->bias_eff[o] = (int32_t)((int64_t)p->bias[o] - (int64_t)p->s.in_zp * sum);
    }
    p->w = w;
    return 1;
}

__attribute__((target("arch=armv8.2-a+dotprod")))
void ea_conv_run_neondot(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    const int P = p->s.out_h * p->s.out_w, OW = p->s.out_w, Kp = p->Kp, Op = p->Op, O = p->s.out_c;
    uint8_t *patch = (uint8_t *)ea_scratch_patches(p, scratch);
    const int8_t *w = (const int8_t *)p->w;
    const uint8_t pad = (uint8_t)(int8_t)p->s.in_zp;
    // sdot takes raw int8 inputs: windows are copied straight from the input.
    const uint8_t *img = (const uint8_t *)in;
    for (int first = 0; first < P; first += EA_PIXELS) {
        int np = P - first < EA_PIXELS ? P - first : EA_PIXELS;
        for (int j = 0; j < np; j++) ea_patch8(p, img, (first + j) / OW, (first + j) % OW, pad, patch + (size_t)j * Kp);
        for (int ob = 0; ob < Op; ob += 4) {
            int32x4_t a[EA_PIXELS];
            for (int j = 0; j < EA_PIXELS; j++) a[j] = vld1q_s32(p->bias_eff + ob);
            for (int t = 0; t < Kp / 4; t++) {
                int8x16_t wv = vld1q_s8(w + ((size_t)t * Op + ob) * 4);
                for (int j = 0; j < np; j++) {
                    int32_t v;
                    memcpy(&v, patch + (size_t)j * Kp + 4 * t, 4);
                    a[j] = vdotq_s32(a[j], wv, vreinterpretq_s8_s32(vdupq_n_s32(v)));
                }
            }
            for (int j = 0; j < np; j++) ea_store4(p, a[j], ob, out + (size_t)(first + j) * O);
        }
    }
}
#endif
