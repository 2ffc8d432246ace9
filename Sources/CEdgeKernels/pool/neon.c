// AArch64 NEON pooling, also taken on NEON-dot machines: the trainer's square windows, then
// TFLite's clipped windows (the rules of pool/scalar.c). Clipped windows: window bounds once per output pixel, then 16 channels at a time (max in int8 lanes,
// average in int16 sums, |Σ| ≤ 28800). The average's (Σ ± n/2)/n truncation is done in
// binary32 with vdivq_f32, exact for the reason given in pool/avx2.c.
#if defined(__aarch64__)
#include "conv_plan.h"
#include <arm_neon.h>

void ea_maxpool_neon(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out) {
    (void)h;
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
            int8_t *dst = out + ((size_t)oy * ow + ox) * c;
            int ch = 0;
            for (; ch + 16 <= c; ch += 16) {
                int8x16_t m = vdupq_n_s8(-128);
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                        m = vmaxq_s8(m, vld1q_s8(in + ((size_t)(oy * stride + ky) * w + ox * stride + kx) * c + ch));
                vst1q_s8(dst + ch, m);
            }
            for (; ch < c; ch++) {
                int8_t m = -128;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        int8_t v = in[((size_t)(oy * stride + ky) * w + ox * stride + kx) * c + ch];
                        if (v > m) m = v;
                    }
                dst[ch] = m;
            }
        }
}

void ea_avgpool_neon(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out) {
    (void)h;
    const int count = k * k;
    int32_t sums[8];
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
            int8_t *dst = out + ((size_t)oy * ow + ox) * c;
            int ch = 0;
            for (; ch + 8 <= c; ch += 8) {
                int32x4_t s0 = vdupq_n_s32(0), s1 = vdupq_n_s32(0);
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        int16x8_t v = vmovl_s8(vld1_s8(in + ((size_t)(oy * stride + ky) * w + ox * stride + kx) * c + ch));
                        s0 = vaddw_s16(s0, vget_low_s16(v));
                        s1 = vaddw_high_s16(s1, v);
                    }
                vst1q_s32(sums, s0);
                vst1q_s32(sums + 4, s1);
                for (int e = 0; e < 8; e++) dst[ch + e] = (int8_t)ea_div_round_away(sums[e], count);
            }
            ea_avgpool_tail(w, c, k, stride, oy, ox, ch, in, dst);
        }
}

// TFLite pooling windows.

static inline void window(const ea_pool_shape *s, int oy, int ox, int *y0, int *x0, int *ky0, int *ky1, int *kx0, int *kx1) {
    *y0 = oy * s->stride_h - s->pad_top; *x0 = ox * s->stride_w - s->pad_left;
    *ky0 = *y0 < 0 ? -*y0 : 0; *kx0 = *x0 < 0 ? -*x0 : 0;
    *ky1 = s->kernel_h < s->in_h - *y0 ? s->kernel_h : s->in_h - *y0;
    *kx1 = s->kernel_w < s->in_w - *x0 ? s->kernel_w : s->in_w - *x0;
}

void ea_maxpool2_neon(const ea_pool_shape *s, const int8_t *in, int8_t *out) {
    const int C = s->c;
    const int8x16_t lo = vdupq_n_s8((int8_t)s->act_min), hi = vdupq_n_s8((int8_t)s->act_max);
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox++) {
            int y0, x0, ky0, ky1, kx0, kx1;
            window(s, oy, ox, &y0, &x0, &ky0, &ky1, &kx0, &kx1);
            int8_t *dst = out + ((size_t)oy * s->out_w + ox) * C;
            int ch = 0;
            for (; ch + 16 <= C; ch += 16) {
                int8x16_t m = vdupq_n_s8(-128);
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++) m = vmaxq_s8(m, vld1q_s8(in + ((size_t)(y0 + ky) * s->in_w + x0 + kx) * C + ch));
                vst1q_s8(dst + ch, vminq_s8(vmaxq_s8(m, lo), hi));
            }
            for (; ch < C; ch++) {
                int32_t m = -128;
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++) {
                        int32_t v = in[((size_t)(y0 + ky) * s->in_w + x0 + kx) * C + ch];
                        if (v > m) m = v;
                    }
                dst[ch] = ea_clamp8(m, s->act_min, s->act_max);
            }
        }
}

static inline int32x4_t div_round_away4(int32x4_t sum, float32x4_t n, int32_t half) {
    int32x4_t h = vbslq_s32(vcltq_s32(sum, vdupq_n_s32(0)), vdupq_n_s32(-half), vdupq_n_s32(half));
    return vcvtq_s32_f32(vdivq_f32(vcvtq_f32_s32(vaddq_s32(sum, h)), n));  // vcvtq truncates toward zero
}

void ea_avgpool2_neon(const ea_pool_shape *s, const int8_t *in, int8_t *out) {
    const int C = s->c;
    const int32x4_t lo = vdupq_n_s32(s->act_min), hi = vdupq_n_s32(s->act_max);
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox++) {
            int y0, x0, ky0, ky1, kx0, kx1;
            window(s, oy, ox, &y0, &x0, &ky0, &ky1, &kx0, &kx1);
            const int32_t cnt = (ky1 - ky0) * (kx1 - kx0);
            const float32x4_t n = vdupq_n_f32((float)cnt);
            int8_t *dst = out + ((size_t)oy * s->out_w + ox) * C;
            int ch = 0;
            for (; ch + 16 <= C; ch += 16) {
                int16x8_t a0 = vdupq_n_s16(0), a1 = vdupq_n_s16(0);
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++) {
                        int8x16_t v = vld1q_s8(in + ((size_t)(y0 + ky) * s->in_w + x0 + kx) * C + ch);
                        a0 = vaddw_s8(a0, vget_low_s8(v));
                        a1 = vaddw_high_s8(a1, v);
                    }
                int32x4_t q[4] = {div_round_away4(vmovl_s16(vget_low_s16(a0)), n, cnt / 2), div_round_away4(vmovl_high_s16(a0), n, cnt / 2),
                                  div_round_away4(vmovl_s16(vget_low_s16(a1)), n, cnt / 2), div_round_away4(vmovl_high_s16(a1), n, cnt / 2)};
                for (int g = 0; g < 4; g++) q[g] = vminq_s32(vmaxq_s32(q[g], lo), hi);
                int16x8_t w0 = vcombine_s16(vqmovn_s32(q[0]), vqmovn_s32(q[1])), w1 = vcombine_s16(vqmovn_s32(q[2]), vqmovn_s32(q[3]));
                vst1q_s8(dst + ch, vcombine_s8(vqmovn_s16(w0), vqmovn_s16(w1)));
            }
            for (; ch < C; ch++) {
                int32_t acc = 0;
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++) acc += in[((size_t)(y0 + ky) * s->in_w + x0 + kx) * C + ch];
                acc = acc > 0 ? (acc + cnt / 2) / cnt : (acc - cnt / 2) / cnt;
                dst[ch] = ea_clamp8(acc, s->act_min, s->act_max);
            }
        }
}
#endif
