// Reference kernels: the integer spec in executable form. Slow on purpose; speed lives in
// the per-ISA files, which must match these bit for bit.
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

void ea_qs8_maxpool_ref(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out) {
    (void)h;
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int ch = 0; ch < c; ch++) {
                int8_t m = -128;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        int8_t v = in[((size_t)(oy * stride + ky) * w + ox * stride + kx) * c + ch];
                        if (v > m) m = v;
                    }
                out[((size_t)oy * ow + ox) * c + ch] = m;
            }
}

// sum / count rounded half away from zero; count > 0.
static inline int32_t div_round_away(int32_t sum, int32_t count) {
    return sum >= 0 ? (sum + count / 2) / count : -((-sum + count / 2) / count);
}

void ea_qs8_avgpool_ref(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out) {
    (void)h;
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int ch = 0; ch < c; ch++) {
                int32_t s = 0;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) s += in[((size_t)(oy * stride + ky) * w + ox * stride + kx) * c + ch];
                out[((size_t)oy * ow + ox) * c + ch] = (int8_t)div_round_away(s, k * k);
            }
}

void ea_qs8_gap_ref(int h, int w, int c, const int8_t *in, int8_t *out) {
    for (int ch = 0; ch < c; ch++) {
        int32_t s = 0;
        for (int i = 0; i < h * w; i++) s += in[(size_t)i * c + ch];
        out[ch] = (int8_t)div_round_away(s, h * w);
    }
}

void ea_qs8_add_ref(const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out) {
    for (size_t i = 0; i < n; i++) {
        int32_t sa = ((int32_t)a[i] - p->a_zp) * (1 << p->left_shift);
        int32_t sb = ((int32_t)b[i] - p->b_zp) * (1 << p->left_shift);
        int32_t ra = ea_requant(sa, p->a_mult, p->a_shift);
        int32_t rb = ea_requant(sb, p->b_mult, p->b_shift);
        int32_t v = ea_requant(ra + rb, p->out_mult, p->out_shift) + p->out_zp;
        out[i] = ea_clamp8(v, p->act_min, p->act_max);
    }
}

void ea_qs8_relu_ref(size_t n, int32_t zp, const int8_t *in, int8_t *out) {
    for (size_t i = 0; i < n; i++) out[i] = in[i] < zp ? (int8_t)zp : in[i];
}
