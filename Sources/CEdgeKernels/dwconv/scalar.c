// Reference depthwise convolution: the integer spec in executable form (TFLite's
// reference_integer_ops::DepthwiseConvPerChannel with dilation 1). Slow on purpose; the
// per-ISA depthwise files must match it bit for bit.
// Shapes: input [H][W][C], output [OH][OW][O] with O = C·m, weights [O][kh][kw].
#include "edge_kernels.h"

void ea_qs8_dwconv_ref(const ea_conv_shape *s, const int8_t *in, const int8_t *w, const int32_t *bias,
                       const int32_t *mult, const int32_t *shift, const double *real_scale, int8_t *out) {
    const int kh = s->kernel_h, kw = s->kernel_w, C = s->in_c, m = s->depth_multiplier;
    for (int oy = 0; oy < s->out_h; oy++) {
        for (int ox = 0; ox < s->out_w; ox++) {
            for (int o = 0; o < s->out_c; o++) {
                const int c = o / m;  // TFLite: output_channel = j + in_channel·depth_multiplier
                // K = kh·kw: |bias| + K·255·127 < 2^31 is the loader's bound, so no overflow.
                int32_t acc = bias[o];
                const int8_t *wo = w + (size_t)o * kh * kw;
                for (int ky = 0; ky < kh; ky++) {
                    int iy = oy * s->stride_h - s->pad_top + ky;
                    if (iy < 0 || iy >= s->in_h) continue;
                    for (int kx = 0; kx < kw; kx++) {
                        int ix = ox * s->stride_w - s->pad_left + kx;
                        if (ix < 0 || ix >= s->in_w) continue;
                        acc += ((int32_t)in[((size_t)iy * s->in_w + ix) * C + c] - s->in_zp) * (int32_t)wo[ky * kw + kx];
                    }
                }
                int32_t r = s->requant_mode == EA_REQUANT_DOUBLE ? ea_requant_double(acc, real_scale[o])
                                                                 : ea_requant(acc, mult[o], shift[o]);
                out[((size_t)oy * s->out_w + ox) * s->out_c + o] = ea_conv_out(r, s->requant_mode == EA_REQUANT_DOUBLE, s->out_zp, s->act_min, s->act_max);
            }
        }
    }
}
