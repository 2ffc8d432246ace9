// Depthwise convolution (depth multiplier 1) for the x86 paths: packing shared by the AVX2
// (16 channels per block) and AVX-512 (32 channels per block) kernels.
//
// The kernels multiply int16 pairs of *taps* with vpmaddwd / vpdpwssd: for taps a, a+1 the
// centred inputs A = x_a − zp, B = x_{a+1} − zp of BW channels are interleaved by
// unpacklo/unpackhi_epi16, which work inside 128-bit lanes. So in 128-bit lane L the low
// accumulator's 32-bit lane 4L + j holds channel 8L + j and the high one's holds channel
// 8L + 4 + j (j < 4); packs_epi32(lo, hi) restores channel order. Weights, biases and
// requantisation constants are stored in that lane order here, once.
// Exactness: each pair sum is (x − zp)·w + (x' − zp)·w' with |x − zp| ≤ 255, |w| ≤ 127, so
// |pair| ≤ 64770 and vpmaddwd's saturating case (both −32768) cannot occur; the running sum
// is bias + a partial sum of the exact terms, bounded by |bias| + K·255·127 < 2^31 (loader).
// With fold_zp (AVX-512) the image holds x itself, padded with zp, and the bias absorbs
// −zp·Σw: pairs are x·w + x'·w' (|x| ≤ 128), the running sums may wrap, and the final sum
// is the same exact value modulo 2^32, hence exactly it.
// Packed weights: int16 [block][pair][lo BW | hi BW]; Op = blocks·BW lanes of bias/mult/shift.
#if defined(__x86_64__)
#include "conv_plan.h"
#include <stdlib.h>
#include <string.h>

// Channel held by lane q (0 ≤ q < BW/2) of the low (hi = 0) or high accumulator.
static int lane_channel(int q, int hi) { return 8 * (q / 4) + 4 * hi + q % 4; }

int ea_dwconv_pack_x86(ea_conv_plan *p, int block, int pair, int fold_zp) {
    const ea_conv_shape *s = &p->s;
    const int C = s->in_c, T = s->kernel_h * s->kernel_w, TP = (T + 1) / 2;
    // Pixel pairs (AVX-512, C = 16): one 32-lane vector holds output pixels ox and ox + 1
    // (16 channels each), so lane "channel" c' stands for channel c' mod 16 and weights,
    // biases and multipliers repeat.
    const int virt = pair ? 32 : C;
    const int blocks = (virt + block - 1) / block;
    p->Kp = p->K;
    p->Op = blocks * block;
    p->dw_block = block;
    p->dw_pair = pair;
    p->dw_cp = pair ? 16 : blocks * block;
    p->dw_hp = ea_padded_h(s);
    p->dw_wp = ea_padded_w(s);
    int16_t *w = (int16_t *)ea_calloc64((size_t)blocks * TP * 2 * block, sizeof(int16_t));
    p->bias_eff = (int32_t *)ea_calloc64((size_t)p->Op, sizeof(int32_t));
    p->mult_p = (int32_t *)ea_calloc64((size_t)p->Op, sizeof(int32_t));
    p->rshift_p = (int32_t *)ea_calloc64((size_t)p->Op, sizeof(int32_t));
    p->lshift_p = (int32_t *)ea_calloc64((size_t)p->Op, sizeof(int32_t));
    p->dw_tap = (int32_t *)calloc((size_t)TP * 2, sizeof(int32_t));
    p->dw_zp_folded = fold_zp;
    if (!w || !p->bias_eff || !p->mult_p || !p->rshift_p || !p->lshift_p || !p->dw_tap) { free(w); return 0; }
    for (int a = 0; a < TP * 2; a++) {
        // The odd tap out pairs with tap 0 under zero weights: a harmless in-bounds read.
        int ky = a < T ? a / s->kernel_w : 0, kx = a < T ? a % s->kernel_w : 0;
        p->dw_tap[a] = (ky * p->dw_wp + kx) * p->dw_cp;
    }
    for (int b = 0; b < blocks; b++) {
        for (int hi = 0; hi < 2; hi++)
            for (int q = 0; q < block / 2; q++) {
                int c = b * block + lane_channel(q, hi), lane = b * block + hi * (block / 2) + q;
                if (pair) c %= 16;
                p->mult_p[lane] = 1 << 30;
                if (c >= C) continue;
                int64_t b = p->bias[c];
                // Folded zero point: Σ (x − zp)·w = Σ x·w − zp·Σ w. Intermediate sums may wrap
                // (vpdpwssd does not saturate); the final sum is the exact value, which fits.
                if (fold_zp) for (int a = 0; a < T; a++) b -= (int64_t)s->in_zp * p->wref[(size_t)c * T + a];
                p->bias_eff[lane] = (int32_t)(uint32_t)(uint64_t)b;
                p->mult_p[lane] = p->mult[c];
                p->rshift_p[lane] = p->shift[c] < 0 ? -p->shift[c] : 0;
                p->lshift_p[lane] = p->shift[c] > 0 ? p->shift[c] : 0;
            }
        for (int t = 0; t < TP; t++) {
            int16_t *dst = w + ((size_t)b * TP + t) * 2 * block;
            for (int hi = 0; hi < 2; hi++)
                for (int q = 0; q < block / 2; q++)
                    for (int e = 0; e < 2; e++) {
                        int c = b * block + lane_channel(q, hi), a = 2 * t + e;
                        if (pair) c %= 16;
                        dst[hi * block + 2 * q + e] = (c < C && a < T) ? p->wref[(size_t)c * T + a] : 0;
                    }
        }
    }
    p->w = w;
    // The binary32 output stage (x86_requant.h: ea_fq16 on AVX-512, ea_fq8 on AVX2, whose
    // round-to-nearest FMAs need the constants widened) when no channel shifts left.
    if (!fold_zp) {
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("fma")) return 1;
    }
    {
        int ls = 0;
        for (int l = 0; l < p->Op; l++) ls |= p->lshift_p[l];
        p->fq = (float *)ea_calloc64((size_t)5 * p->Op, sizeof(float));
        int64_t *bound = (int64_t *)calloc((size_t)p->Op, sizeof(int64_t));
        if (!p->fq || !bound) { free(bound); return 0; }
        for (int b = 0; b < blocks; b++)
            for (int hi = 0; hi < 2; hi++)
                for (int q = 0; q < block / 2; q++) {
                    int c = b * block + lane_channel(q, hi), lane = b * block + hi * (block / 2) + q;
                    if (pair) c %= 16;
                    if (c < C) bound[lane] = ea_acc_bound(p, c);
                }
        p->rq_fast = ls ? 0 : ea_fq_prepare(p->fq, p->Op, p->Op, p->mult_p, p->rshift_p, bound, s->out_zp, s->act_min, s->act_max);
        free(bound);
        if (p->rq_fast && !fold_zp) ea_fq_widen(p->fq, p->Op, EA_FQ_RN_MARGIN);
    }
    return 1;
}
#endif
