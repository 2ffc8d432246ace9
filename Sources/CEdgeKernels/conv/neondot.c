// AArch64 NEON with the dot-product extension (ARMv8.2 sdot): signed×signed bytes, so the
// window holds raw int8 x (padding = zp) and the bias absorbs the zero point:
//   Σ (x − zp)·w = Σ x·w − zp·Σ w.
// Intermediate sums may wrap; the final value is exact (accumulator bound).
// 4 output channels per int32x4. Tiles of EA_PIXELS pixels × 16 channels (16 accumulators)
// read 16 window bytes per pixel at once and take each 4-byte group by lane (sdot by
// element), so one weight load serves four pixels and one input load four steps; the last
// channels (fewer than 16) and the last pixels (fewer than EA_PIXELS) take 4 channels × a
// pixel per step.
// Packed weights: int8 [Kp/4][Op][4], Kp = K rounded up to 16 (the zero weights past K meet
// the patches' zero padding), Op = out_c rounded up to 4.
#if defined(__aarch64__)
#include "conv_plan.h"
#include "neon_requant.h"
#include <arm_neon.h>
#include <stdlib.h>
#include <string.h>

int ea_conv_pack_neondot(ea_conv_plan *p) {
    const int K = p->K, O = p->s.out_c;
    p->Kp = (K + 15) & ~15;
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

#define DOT __attribute__((target("arch=armv8.2-a+dotprod")))
#define NT_STEP(j, l) a##j##0 = vdotq_laneq_s32(a##j##0, w0, x##j, l); a##j##1 = vdotq_laneq_s32(a##j##1, w1, x##j, l); \
    a##j##2 = vdotq_laneq_s32(a##j##2, w2, x##j, l); a##j##3 = vdotq_laneq_s32(a##j##3, w3, x##j, l);
#define NT_LANE(l) { const int8_t *wl = w + ((size_t)(t + l) * Op + ob) * 4; \
    const int8x16_t w0 = vld1q_s8(wl), w1 = vld1q_s8(wl + 16), w2 = vld1q_s8(wl + 32), w3 = vld1q_s8(wl + 48); \
    NT_STEP(0, l) NT_STEP(1, l) NT_STEP(2, l) NT_STEP(3, l) }
#define NT_INIT(j) int32x4_t a##j##0 = b0, a##j##1 = b1, a##j##2 = b2, a##j##3 = b3;
#define NT_STORE(j) { int8_t *d = out + (size_t)(first + j) * O; ea_store4(p, a##j##0, ob, d); ea_store4(p, a##j##1, ob + 4, d); \
    ea_store4(p, a##j##2, ob + 8, d); ea_store4(p, a##j##3, ob + 12, d); }

// Four pixels' patches × output channels [ob, ob + 16). Named accumulators, not an array,
// so that they stay in registers (the compilers keep arrays of vectors in memory too).
DOT static void tile16(const ea_conv_plan *p, const uint8_t *patch, int ob, int first, int8_t *out) {
    const int Kp = p->Kp, Op = p->Op, O = p->s.out_c;
    const int8_t *w = (const int8_t *)p->w;
    const int32x4_t b0 = vld1q_s32(p->bias_eff + ob), b1 = vld1q_s32(p->bias_eff + ob + 4);
    const int32x4_t b2 = vld1q_s32(p->bias_eff + ob + 8), b3 = vld1q_s32(p->bias_eff + ob + 12);
    NT_INIT(0) NT_INIT(1) NT_INIT(2) NT_INIT(3)
    for (int t = 0; t < Kp / 4; t += 4) {
        const int8x16_t x0 = vld1q_s8((const int8_t *)patch + 4 * t), x1 = vld1q_s8((const int8_t *)patch + Kp + 4 * t);
        const int8x16_t x2 = vld1q_s8((const int8_t *)patch + 2 * (size_t)Kp + 4 * t), x3 = vld1q_s8((const int8_t *)patch + 3 * (size_t)Kp + 4 * t);
        NT_LANE(0) NT_LANE(1) NT_LANE(2) NT_LANE(3)
    }
    NT_STORE(0) NT_STORE(1) NT_STORE(2) NT_STORE(3)
}

DOT void ea_conv_run_neondot(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    const int P = p->s.out_h * p->s.out_w, OW = p->s.out_w, Kp = p->Kp, Op = p->Op, O = p->s.out_c;
    uint8_t *patch = (uint8_t *)ea_scratch_patches(p, scratch);
    const int8_t *w = (const int8_t *)p->w;
    const uint8_t pad = (uint8_t)(int8_t)p->s.in_zp;
    // sdot takes raw int8 inputs: windows are copied straight from the input.
    const uint8_t *img = (const uint8_t *)in;
    for (int first = 0; first < P; first += EA_PIXELS) {
        int np = P - first < EA_PIXELS ? P - first : EA_PIXELS;
        for (int j = 0; j < np; j++) ea_patch8(p, img, (first + j) / OW, (first + j) % OW, pad, patch + (size_t)j * Kp);
        int ob = 0;
        if (np == EA_PIXELS)
            for (; ob + 16 <= Op; ob += 16) tile16(p, patch, ob, first, out);
        for (; ob < Op; ob += 4) {
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
