// Reference pooling: the trainer's square unpadded windows (max, average, global average)
// and TFLite's clipped windows with padding and a fused clamp. The spec the per-ISA pooling
// files match bit for bit.
#include "edge_kernels.h"

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

// TFLite pooling windows.

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
