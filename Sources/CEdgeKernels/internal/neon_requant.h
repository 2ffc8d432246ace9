// Internal: ea_requant on four NEON lanes. vqrdmulhq_s32 is exactly gemmlowp's SRDHM
// (including the saturating corner); the rounding shift with gemmlowp's fixup rounds ties
// away from zero, like ea_rdbpot.
#ifndef EA_NEON_REQUANT_H
#define EA_NEON_REQUANT_H
#if defined(__aarch64__)
#include <arm_neon.h>
#include "conv_plan.h"

static inline int32x4_t ea_requant4(int32x4_t acc, int32x4_t mult, int32x4_t rshift) {
    int32x4_t hm = vqrdmulhq_s32(acc, mult);
    int32x4_t sh = vnegq_s32(rshift);
    int32x4_t fixup = vshrq_n_s32(vandq_s32(hm, sh), 31);
    return vrshlq_s32(vqaddq_s32(hm, fixup), sh);
}

// Requantises, offsets, clamps and stores 4 channels starting at ob (fewer at the end).
// Left shifts (TFLite shift > 0) come first; vshlq_s32 wraps modulo 2^32 like the spec.
static inline void ea_store4(const ea_conv_plan *p, int32x4_t acc, int ob, int8_t *dst) {
    acc = vshlq_s32(acc, vld1q_s32(p->lshift_p + ob));
    int32x4_t v = ea_requant4(acc, vld1q_s32(p->mult_p + ob), vld1q_s32(p->rshift_p + ob));
    v = vaddq_s32(v, vdupq_n_s32(p->s.out_zp));
    v = vmaxq_s32(v, vdupq_n_s32(p->s.act_min));
    v = vminq_s32(v, vdupq_n_s32(p->s.act_max));
    int8x8_t b = vqmovn_s16(vcombine_s16(vqmovn_s32(v), vqmovn_s32(v)));
    int left = p->s.out_c - ob;
    if (left >= 4) {
        vst1_lane_s32((int32_t *)(void *)(dst + ob), vreinterpret_s32_s8(b), 0);
    } else {
        int8_t tmp[8];
        vst1_s8(tmp, b);
        for (int e = 0; e < left; e++) dst[ob + e] = tmp[e];
    }
}
#endif
#endif
