// Preparing a convolution: validation of the requantisation parameters, copies of the
// weights, the packing chosen by config.c, and the helpers the per-ISA files share
// (window gathering, requantised stores, scratch layout).
#include "conv_plan.h"
#include <stdlib.h>
#include <string.h>

ea_conv_plan *ea_conv_plan_create(const ea_conv_shape *s, const int8_t *w, const int32_t *bias,
                                  const int32_t *mult, const int32_t *shift, const double *real_scale, int isa) {
    if (!ea_isa_supported(isa)) return NULL;
    if (s->requant_mode != EA_REQUANT_Q31 && s->requant_mode != EA_REQUANT_DOUBLE) return NULL;
    if (s->requant_mode == EA_REQUANT_DOUBLE && !real_scale) return NULL;
    // The SIMD requantisers rely on the validated ranges (mult ≥ 0 rules out SRDHM's
    // saturating corner, which needs mult = −2^31); refuse anything else rather than
    // compute something different.
    for (int o = 0; o < s->out_c; o++)
        if (mult[o] < 0 || shift[o] > 30 || shift[o] < -31) return NULL;
    ea_conv_plan *p = (ea_conv_plan *)calloc(1, sizeof(*p));
    if (!p) return NULL;
    p->s = *s;
    p->K = ea_conv_window(s);
    size_t O = (size_t)s->out_c, K = (size_t)p->K;
    p->wref = (int8_t *)malloc(O * K);
    p->bias = (int32_t *)malloc(O * sizeof(int32_t));
    p->mult = (int32_t *)malloc(O * sizeof(int32_t));
    p->shift = (int32_t *)malloc(O * sizeof(int32_t));
    if (!p->wref || !p->bias || !p->mult || !p->shift) { ea_conv_plan_destroy(p); return NULL; }
    memcpy(p->wref, w, O * K);
    memcpy(p->bias, bias, O * sizeof(int32_t));
    memcpy(p->mult, mult, O * sizeof(int32_t));
    memcpy(p->shift, shift, O * sizeof(int32_t));
    if (s->requant_mode == EA_REQUANT_DOUBLE) {
        p->real_scale = (double *)malloc(O * sizeof(double));
        if (!p->real_scale) { ea_conv_plan_destroy(p); return NULL; }
        memcpy(p->real_scale, real_scale, O * sizeof(double));
    }
    if (!ea_conv_select(p, isa)) { ea_conv_plan_destroy(p); return NULL; }
    return p;
}

int ea_conv_plan_isa(const ea_conv_plan *p) { return p->isa; }

void ea_conv_plan_destroy(ea_conv_plan *p) {
    if (!p) return;
    free(p->w);
    free(p->bias_eff);
    free(p->mult);
    free(p->shift);
    free(p->wref);
    free(p->bias);
    free(p->mult_p);
    free(p->rshift_p);
    free(p->lshift_p);
    free(p->real_scale);
    free(p->dw_tap);
    free(p->rq);
    free(p->fq);
    free(p->lw);
    free(p->lidx);
    free(p);
}

size_t ea_conv_plan_scratch_size(const ea_conv_plan *p) {
    // Patches (EA_PIXELS × Kp int16 at most), accumulators (EA_PIXELS × Op int32) and the
    // converted input image, each 64-byte aligned.
    size_t patches = ((size_t)EA_PIXELS * p->Kp * 2 + 63) & ~(size_t)63;
    size_t acc = ((size_t)EA_PIXELS * p->Op * 4 + 63) & ~(size_t)63;
    // The image may be stored zero-padded (x86 paths, depthwise paths with channels rounded
    // up to the block): Hp·Wp·C int16, plus slack for reads that run past the last row.
    size_t c = p->dw_cp ? (size_t)p->dw_cp : (size_t)p->s.in_c;
    size_t image = (size_t)ea_padded_h(&p->s) * ea_padded_w(&p->s) * c * 2;
    // NEON-dot depthwise: the raw int8 image with 3 columns of slack, then the 4-tap image.
    if (p->dw_t4) image = (((size_t)ea_padded_h(&p->s) * (ea_padded_w(&p->s) + 3) * c + 63) & ~(size_t)63)
                          + (size_t)ea_padded_h(&p->s) * ea_padded_w(&p->s) * c * 4;
    size_t plain = (size_t)p->s.in_h * p->s.in_w * p->s.in_c * 2;
    return patches + acc + (image > plain ? image : plain) + 128;
}

int64_t ea_acc_bound(const ea_conv_plan *p, int c) {
    int64_t sw = 0;
    for (int j = 0; j < p->K; j++) sw += p->wref[(size_t)c * p->K + j] < 0 ? -p->wref[(size_t)c * p->K + j] : p->wref[(size_t)c * p->K + j];
    return (p->bias[c] < 0 ? -(int64_t)p->bias[c] : p->bias[c]) + 255 * sw;
}

int ea_pad_requant(ea_conv_plan *p) {
    p->mult_p = (int32_t *)malloc((size_t)p->Op * sizeof(int32_t));
    p->rshift_p = (int32_t *)malloc((size_t)p->Op * sizeof(int32_t));
    p->lshift_p = (int32_t *)malloc((size_t)p->Op * sizeof(int32_t));
    if (!p->mult_p || !p->rshift_p || !p->lshift_p) return 0;
    for (int o = 0; o < p->Op; o++) {
        int32_t sh = o < p->s.out_c ? p->shift[o] : 0;
        p->mult_p[o] = o < p->s.out_c ? p->mult[o] : (1 << 30);
        p->rshift_p[o] = sh < 0 ? -sh : 0;
        p->lshift_p[o] = sh > 0 ? sh : 0;
    }
    return 1;
}

// 2^e for −1074 < e < 1024, exactly (no libm: the device runner compiles this file too):
// the exponent bits for normal values (the ADD prepares its constants at every call).
double ea_pow2(int e) {
    if (e >= -1022 && e <= 1023) {
        const uint64_t bits = (uint64_t)(e + 1023) << 52;
        double v;
        memcpy(&v, &bits, 8);
        return v;
    }
    double v = 1;
    for (; e > 0; e--) v *= 2;
    for (; e < 0; e++) v *= 0.5;
    return v;
}

// The binary32 values next to v (v finite): the largest ≤ v and the smallest ≥ v.
float ea_float_down(double v) {
    float f = (float)v;
    if ((double)f <= v) return f;
    uint32_t b;
    memcpy(&b, &f, 4);
    if (f > 0) b--; else if (f < 0) b++; else b = 0x80000001u;
    memcpy(&f, &b, 4);
    return f;
}
float ea_float_up(double v) { return -ea_float_down(-v); }

// Why each test (x86_requant.h, ea_fq16; docs/integer-spec.md has the whole argument):
// - The constant for acc ≥ 0 serves acc < 0 too when r = 0 (there is one constant), when
//   mult = 0, or when act_min ≥ zp: for acc < 0 both constants give floor(t) ≤ 0 (t < 1/2 +
//   2^−(r+1) < 1), so both outputs are ≤ zp and clamp to act_min. Otherwise (returns 2) the
//   kernels pick the acc < 0 bracket by sign (ea_fq16_apply_signed).
// - Only accumulators whose t lies within 9 of the clamp range [act_min, act_max] need the
//   bracket: |acc| ≤ A there. D = A·|Mf − M| bounds the multiplier's error for them, plus
//   A·Mf·2^−24 for the conversion when A ≥ 2^24 (below that it is exact). D is about 2^−16
//   in the shipped nets, so undecided lanes are rare.
// - Every other accumulator has t more than 9 outside that range. Its conversion and two
//   roundings move it by less than 4.1 while |t| < 2^24 (the bound X·M + 129 < 2^24), so
//   floor(lo) and floor(hi) clamp to the same end as the exact value.
static int ea_fq_all = 0;
void ea_fq_accept_all(int on) { ea_fq_all = on; }

int ea_fq_prepare(float *fq, int op, int n, const int32_t *mult, const int32_t *rshift, const int64_t *bound, int32_t zp,
                  int32_t act_min, int32_t act_max) {
    for (int j = 0; j < 5 * op; j++) fq[j] = 0;
    int sign = 0;
    for (int j = 0; j < n; j++) {
        const int r = rshift[j];
        if (r < 0 || r > 31 || mult[j] < 0 || bound[j] < 0) return 0;
        if (!(r == 0 || mult[j] == 0 || act_min >= zp)) sign = 1;
        // t = (acc·mult + C)/2^(31+r) moves on a grid of 2^tz/2^(31+r) (tz: mult's trailing
        // zero bits). A coarse grid (mult = 2^30 with a small shift: power-of-two scales) puts
        // t exactly on integers for one accumulator in 2^(31+r−tz); each such lane is
        // undecided, so below 2^−14 the exact path is faster (measured: 1.5× slower at 2^−9).
        // A lane with bound 0 (padding: mult 2^30, no weights) always has t = c, never an
        // integer, and is never undecided.
        if (!ea_fq_all && mult[j] > 0 && bound[j] > 0) {
            int tz = 0;
            while (tz < 31 && !((mult[j] >> tz) & 1)) tz++;
            if (31 + r - tz < 14) return 0;
        }
        const double M = (double)mult[j] * ea_pow2(-(31 + r));   // exact: 31 significant bits
        const double c = (double)zp + 0.5 + (r ? ea_pow2(-(r + 1)) : 0);  // exact
        if ((double)bound[j] * M + 129 >= ea_pow2(24)) return 0;
        double A = (double)bound[j];
        if (M > 0) {
            const double lo = c - (act_min - 9), hi = (act_max + 9) - c;
            const double w = ((lo > hi ? lo : hi) / M) + 1;
            if (w < A) A = w;
        }
        const float mf = (float)M;
        const double dM = (double)mf > M ? (double)mf - M : M - (double)mf;  // exact in binary64
        // Accumulators of 2^24 or more convert with an error up to |acc|·2^−24 (an ADD's
        // sums reach 2^27), which the multiplier's error then carries: Mf·A·2^−24 more.
        const double conv = A >= ea_pow2(24) ? (double)mf * ea_pow2(-24) : 0;
        // The products may round (≤ 55 bits): widen by a relative 2^−40 and an absolute 2^−60.
        const double D = A * (dM + conv) * (1 + ea_pow2(-40)) + ea_pow2(-60);
        if (D > ea_pow2(-12)) return 0;
        // c ± D rounds in binary64 by at most 2^−45 (|c| < 129); 2^−40 more covers it.
        // For acc < 0 (so P < 0: mult > 0) the constant is 2^−r lower when r ≥ 1.
        const double cn = c - (r && mult[j] ? ea_pow2(-r) : 0);
        fq[j] = mf;
        fq[op + j] = ea_float_down(c - D - ea_pow2(-40));
        fq[2 * op + j] = ea_float_up(c + D + ea_pow2(-40));
        fq[3 * op + j] = ea_float_down(cn - D - ea_pow2(-40));
        fq[4 * op + j] = ea_float_up(cn + D + ea_pow2(-40));
    }
    return sign ? 2 : 1;
}

int ea_rq16_prepare(ea_conv_plan *p) {
    const int op = p->Op;
#if defined(__x86_64__)
    p->rq = (int64_t *)ea_calloc64((size_t)3 * op, sizeof(int64_t));
#else
    p->rq = (int64_t *)malloc((size_t)3 * op * sizeof(int64_t));
#endif
    if (!p->rq) return 0;
    for (int o = 0; o < op; o++) if (p->lshift_p[o]) p->rq_lshift = 1;
    // The output zero point can join the constants (out = floor((P + c + zp·2^S)/2^S)) when
    // no left shift applies and the accumulator bound |acc| ≤ |bias| + 255·Σ|w| keeps every
    // requantised value so far from ±2^31 that TFLite's wrapping "+ zp" cannot wrap, and
    // the 64-bit sum far from overflow.
    int fold = !p->rq_lshift;
    for (int o = 0; o < p->s.out_c && fold; o++) {
        const int64_t bound = ea_acc_bound(p, o);
        const int S = 31 + (p->shift[o] < 0 ? -p->shift[o] : 0);
        // |P| ≤ bound·mult < 2^31·2^31; require |requant| + 128 < 2^30 and |zp·2^S| < 2^61.
        if (bound > ((int64_t)1 << 31) || S > 52) { fold = 0; break; }
        if ((bound * (int64_t)p->mult[o]) >> S >= ((int64_t)1 << 30)) fold = 0;
    }
    p->rq_zp = fold;
    for (int o = 0; o < op; o++) {
        // Block of 16 lanes: even lanes' constants first, then the odd lanes'.
        int j = o & 15, idx = (o & ~15) + ((j & 1) ? 8 : 0) + (j >> 1);
        int r = p->rshift_p[o];
        int64_t pos = (1ll << 30) + (r ? (1ll << (30 + r)) : 0);
        if (fold) pos += (int64_t)p->s.out_zp * ((int64_t)1 << (31 + r));
        p->rq[idx] = pos;
        p->rq[op + idx] = pos - (r ? (1ll << 31) : 0);
        p->rq[2 * op + idx] = 31 + r;
    }
    return ea_fq_plan(p, 0);
}

int ea_fq_plan(ea_conv_plan *p, double margin) {
    const int op = p->Op;
    p->fq = NULL;
    p->rq_fast = 0;
    for (int o = 0; o < op; o++) if (p->lshift_p[o]) return 1;
    // The binary32 path (x86_requant.h, ea_fq16 and ea_fq8) when no channel shifts left.
    // Lanes of a paired plan (out_c ≤ 8) repeat channels 0–7; lanes past out_c accumulate 0.
#if defined(__x86_64__)
    p->fq = (float *)ea_calloc64((size_t)5 * op, sizeof(float));
#else
    p->fq = (float *)malloc((size_t)5 * op * sizeof(float));
#endif
    int64_t *bound = (int64_t *)malloc((size_t)op * sizeof(int64_t));
    if (!p->fq || !bound) { free(bound); return 0; }
    for (int o = 0; o < op; o++) {
        const int c = p->paired ? (o & 7) : o;
        bound[o] = 0;
        if (c < p->s.out_c) bound[o] = ea_acc_bound(p, c);
    }
    p->rq_fast = ea_fq_prepare(p->fq, op, op, p->mult_p, p->rshift_p, bound, p->s.out_zp, p->s.act_min, p->s.act_max);
    free(bound);
    // Kernels whose FMAs round to nearest (AVX2 has no embedded rounding) move each end by
    // up to half an ulp of a value below 256 in the window that matters: the constants move
    // outwards by that much more (docs/integer-spec.md).
    if (p->rq_fast) ea_fq_widen(p->fq, op, margin);
    return 1;
}

void ea_fq_widen(float *fq, int op, double margin) {
    if (margin <= 0) return;
    for (int j = 0; j < op; j++) {
        fq[op + j] = ea_float_down((double)fq[op + j] - margin);
        fq[2 * op + j] = ea_float_up((double)fq[2 * op + j] + margin);
        fq[3 * op + j] = ea_float_down((double)fq[3 * op + j] - margin);
        fq[4 * op + j] = ea_float_up((double)fq[4 * op + j] + margin);
    }
}

void ea_patch8(const ea_conv_plan *p, const uint8_t *img, int oy, int ox, uint8_t pad_value, uint8_t *dst) {
    const ea_conv_shape *s = &p->s;
    const int kh = s->kernel_h, kw = s->kernel_w, C = s->in_c;
    const size_t run = (size_t)kw * C;
    int j = 0;
    const int x0 = ox * s->stride_w - s->pad_left;
    for (int ky = 0; ky < kh; ky++) {
        int iy = oy * s->stride_h - s->pad_top + ky;
        if (iy < 0 || iy >= s->in_h) {
            memset(dst + j, pad_value, run);
        } else if (x0 >= 0 && x0 + kw <= s->in_w) {
            memcpy(dst + j, img + ((size_t)iy * s->in_w + x0) * C, run);
        } else {
            for (int kx = 0; kx < kw; kx++) {
                int ix = x0 + kx;
                if (ix < 0 || ix >= s->in_w) memset(dst + j + kx * C, pad_value, (size_t)C);
                else memcpy(dst + j + kx * C, img + ((size_t)iy * s->in_w + ix) * C, (size_t)C);
            }
        }
        j += (int)run;
    }
    for (; j < p->Kp; j++) dst[j] = 0;
}

void ea_patch16(const ea_conv_plan *p, const int16_t *img, int oy, int ox, int16_t *dst) {
    const ea_conv_shape *s = &p->s;
    const int kh = s->kernel_h, kw = s->kernel_w, C = s->in_c;
    const size_t run = (size_t)kw * C;
    int j = 0;
    const int x0 = ox * s->stride_w - s->pad_left;
    for (int ky = 0; ky < kh; ky++) {
        int iy = oy * s->stride_h - s->pad_top + ky;
        if (iy < 0 || iy >= s->in_h) {
            memset(dst + j, 0, run * 2);
        } else if (x0 >= 0 && x0 + kw <= s->in_w) {
            memcpy(dst + j, img + ((size_t)iy * s->in_w + x0) * C, run * 2);
        } else {
            for (int kx = 0; kx < kw; kx++) {
                int ix = x0 + kx;
                if (ix < 0 || ix >= s->in_w) memset(dst + j + kx * C, 0, (size_t)C * 2);
                else memcpy(dst + j + kx * C, img + ((size_t)iy * s->in_w + ix) * C, (size_t)C * 2);
            }
        }
        j += (int)run;
    }
    for (; j < p->Kp; j++) dst[j] = 0;
}

void ea_conv_store(const ea_conv_plan *p, const int32_t *acc, int n, int first, int8_t *out) {
    const int O = p->s.out_c;
    for (int j = 0; j < n; j++) {
        int8_t *dst = out + (size_t)(first + j) * O;
        const int32_t *a = acc + (size_t)j * p->Op;
        for (int o = 0; o < O; o++) {
            int32_t v = ea_wrap_add(ea_requant(a[o], p->mult[o], p->shift[o]), p->s.out_zp);
            dst[o] = ea_clamp8(v, p->s.act_min, p->s.act_max);
        }
    }
}

