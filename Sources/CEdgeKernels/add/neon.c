// AArch64 residual add, 4 lanes per step, bit-exact with ea_qs8_add_ref.
#if defined(__aarch64__)
#include "conv_plan.h"
#include "neon_requant.h"

void ea_add_neon(const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out) {
    const int32x4_t am = vdupq_n_s32(p->a_mult), as = vdupq_n_s32(-p->a_shift);
    const int32x4_t bm = vdupq_n_s32(p->b_mult), bs = vdupq_n_s32(-p->b_shift);
    const int32x4_t om = vdupq_n_s32(p->out_mult), os = vdupq_n_s32(-p->out_shift);
    const int32x4_t ls = vdupq_n_s32(p->left_shift);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        int16x8_t x = vmovl_s8(vld1_s8(a + i)), y = vmovl_s8(vld1_s8(b + i));
        int32x4_t r[2];
        for (int h = 0; h < 2; h++) {
            int32x4_t xa = h ? vmovl_high_s16(x) : vmovl_s16(vget_low_s16(x));
            int32x4_t yb = h ? vmovl_high_s16(y) : vmovl_s16(vget_low_s16(y));
            int32x4_t ra = ea_requant4(vshlq_s32(vsubq_s32(xa, vdupq_n_s32(p->a_zp)), ls), am, as);
            int32x4_t rb = ea_requant4(vshlq_s32(vsubq_s32(yb, vdupq_n_s32(p->b_zp)), ls), bm, bs);
            int32x4_t v = vaddq_s32(ea_requant4(vaddq_s32(ra, rb), om, os), vdupq_n_s32(p->out_zp));
            r[h] = vminq_s32(vmaxq_s32(v, vdupq_n_s32(p->act_min)), vdupq_n_s32(p->act_max));
        }
        vst1_s8(out + i, vqmovn_s16(vcombine_s16(vqmovn_s32(r[0]), vqmovn_s32(r[1]))));
    }
    if (i < n) ea_qs8_add_ref(p, n - i, a + i, b + i, out + i);
}
#endif
