// Reference convolution: the integer spec in executable form. Slow on purpose; speed lives
// in the per-ISA files beside it, which must match it bit for bit.
#include "edge_kernels.h"

void ea_qs8_conv_ref(const ea_conv_shape *s, const int8_t *in, const int8_t *w, const int32_t *bias,
                     const int32_t *mult, const int32_t *shift, const double *real_scale, int8_t *out) {
    if (s->depth_multiplier > 0) { ea_qs8_dwconv_ref(s, in, w, bias, mult, shift, real_scale, out); return; }
    const int kh = s->kernel_h, kw = s->kernel_w, C = s->in_c;
    for (int oy = 0; oy < s->out_h; oy++) {
        for (int ox = 0; ox < s->out_w; ox++) {
            for (int o = 0; o < s->out_c; o++) {
                // The loader admits only layers with |bias| + K·255·127 < 2^31, so this
                // int32 sum cannot overflow (docs/integer-spec.md, accumulator bound).
                int32_t acc = bias[o];
                const int8_t *wo = w + (size_t)o * kh * kw * C;
                for (int ky = 0; ky < kh; ky++) {
                    int iy = oy * s->stride_h - s->pad_top + ky;
                    if (iy < 0 || iy >= s->in_h) continue;
                    for (int kx = 0; kx < kw; kx++) {
                        int ix = ox * s->stride_w - s->pad_left + kx;
                        if (ix < 0 || ix >= s->in_w) continue;
                        const int8_t *x = in + ((size_t)iy * s->in_w + ix) * C;
                        const int8_t *wk = wo + (ky * kw + kx) * C;
                        for (int c = 0; c < C; c++) acc += ((int32_t)x[c] - s->in_zp) * (int32_t)wk[c];
                    }
                }
                int32_t r = s->requant_mode == EA_REQUANT_DOUBLE ? ea_requant_double(acc, real_scale[o])
                                                                 : ea_requant(acc, mult[o], shift[o]);
                out[((size_t)oy * s->out_w + ox) * s->out_c + o] = ea_conv_out(r, s->requant_mode == EA_REQUANT_DOUBLE, s->out_zp, s->act_min, s->act_max);
            }
        }
    }
}
