// Reference pooling with TFLite's window rules (reference_integer_ops/pooling.h
// AveragePool / MaxPool): windows clipped to the image, any kernel/stride per axis,
// explicit top/left padding, fused clamp. Shapes: input [H][W][C], output [OH][OW][C].
#include "edge_kernels.h"

void ea_qs8_maxpool2_ref(const ea_pool_shape *s, const int8_t *in, int8_t *out) {
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox++) {
            const int y0 = oy * s->stride_h - s->pad_top, x0 = ox * s->stride_w - s->pad_left;
            const int ky0 = y0 < 0 ? -y0 : 0, kx0 = x0 < 0 ? -x0 : 0;
            const int ky1 = s->kernel_h < s->in_h - y0 ? s->kernel_h : s->in_h - y0;
            const int kx1 = s->kernel_w < s->in_w - x0 ? s->kernel_w : s->in_w - x0;
            for (int ch = 0; ch < s->c; ch++) {
                int32_t m = -128;  // std::numeric_limits<int8_t>::lowest()
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++) {
                        int32_t v = in[((size_t)(y0 + ky) * s->in_w + x0 + kx) * s->c + ch];
                        if (v > m) m = v;
                    }
                out[((size_t)oy * s->out_w + ox) * s->c + ch] = ea_clamp8(m, s->act_min, s->act_max);
            }
        }
}

void ea_qs8_avgpool2_ref(const ea_pool_shape *s, const int8_t *in, int8_t *out) {
    for (int oy = 0; oy < s->out_h; oy++)
        for (int ox = 0; ox < s->out_w; ox++) {
            const int y0 = oy * s->stride_h - s->pad_top, x0 = ox * s->stride_w - s->pad_left;
            const int ky0 = y0 < 0 ? -y0 : 0, kx0 = x0 < 0 ? -x0 : 0;
            const int ky1 = s->kernel_h < s->in_h - y0 ? s->kernel_h : s->in_h - y0;
            const int kx1 = s->kernel_w < s->in_w - x0 ? s->kernel_w : s->in_w - x0;
            // The loader requires every window to hold at least one image position.
            const int32_t n = (ky1 - ky0) * (kx1 - kx0);
            for (int ch = 0; ch < s->c; ch++) {
                int32_t acc = 0;  // |acc| ≤ 128·15·15: no overflow
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++) acc += in[((size_t)(y0 + ky) * s->in_w + x0 + kx) * s->c + ch];
                // TFLite: acc > 0 ? (acc + n/2)/n : (acc − n/2)/n — half away from zero.
                acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
                out[((size_t)oy * s->out_w + ox) * s->c + ch] = ea_clamp8(acc, s->act_min, s->act_max);
            }
        }
}
