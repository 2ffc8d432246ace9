// The one place that knows which CPU features exist and which kernel runs each op on each
// ISA (XNNPACK's src/configs/ in spirit): detection, the conv plan's packing choice, and the
// dispatch of every op. The kernels themselves live one op per folder, one ISA per file;
// each folder's scalar.c is the spec the others match bit for bit.
#include "conv_plan.h"
#include <stdlib.h>
#include <string.h>
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

int ea_isa_supported(int isa) {
    switch (isa) {
    case EA_ISA_SCALAR: return 1;
#if defined(__x86_64__)
    case EA_ISA_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2");
    case EA_ISA_AVX512VNNI:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vnni");
#endif
#if defined(__aarch64__)
    case EA_ISA_NEON: return 1;
    case EA_ISA_NEONDOT:
#if defined(__linux__)
        return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#else
        return 0;
#endif
#endif
    default: return 0;
    }
}

int ea_isa_best(void) {
    static const int order[] = {EA_ISA_AVX512VNNI, EA_ISA_AVX2, EA_ISA_NEONDOT, EA_ISA_NEON};
    for (int i = 0; i < 4; i++)
        if (ea_isa_supported(order[i])) return order[i];
    return EA_ISA_SCALAR;
}

const char *ea_isa_name(int isa) {
    static const char *names[] = {"scalar", "avx2", "avx512vnni", "neon", "neondot"};
    return isa >= 0 && isa < EA_ISA_COUNT ? names[isa] : "unknown";
}

// MARK: convolution (dense and depthwise)

int ea_conv_select(ea_conv_plan *p, int isa) {
    const ea_conv_shape *s = &p->s;
    // Only the reference covers double-precision requantisation and depth multipliers > 1
    // (dense tails and rare layers); everything else has a SIMD path per ISA.
    if (s->requant_mode == EA_REQUANT_DOUBLE || s->depth_multiplier > 1) isa = EA_ISA_SCALAR;
    p->isa = isa;
    const int dw = s->depth_multiplier == 1;
    int ok = 1;
    switch (isa) {
    case EA_ISA_SCALAR: p->Kp = p->K; p->Op = s->out_c; break;
#if defined(__x86_64__)
    case EA_ISA_AVX2: ok = dw ? ea_dwconv_pack_x86(p, 16, 0, 0) : ea_conv_pack_avx2(p); break;
    case EA_ISA_AVX512VNNI:
        ok = dw ? ea_dwconv_pack_x86(p, s->in_c < 16 ? 16 : 32, s->in_c == 16, 1)
                : ea_conv_pack_avx512vnni(p);
        break;
#endif
#if defined(__aarch64__)
    case EA_ISA_NEON: ok = dw ? ea_dwconv_pack_neon(p) : ea_conv_pack_neon(p); break;
    // sdot depthwise needs kernel rows of at most 4 taps; wider kernels take the NEON path.
    case EA_ISA_NEONDOT: ok = dw ? (s->kernel_w <= 4 ? ea_dwconv_pack_neondot(p) : ea_dwconv_pack_neon(p)) : ea_conv_pack_neondot(p); break;
#endif
    default: ok = 0;
    }
    return ok;
}

void ea_conv_plan_run(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    if (p->s.depth_multiplier == 1 && p->isa != EA_ISA_SCALAR) {
        switch (p->isa) {
#if defined(__x86_64__)
        case EA_ISA_AVX2: ea_dwconv_run_avx2(p, in, out, scratch); return;
        case EA_ISA_AVX512VNNI: ea_dwconv_run_avx512(p, in, out, scratch); return;
#endif
#if defined(__aarch64__)
        case EA_ISA_NEON: ea_dwconv_run_neon(p, in, out, scratch); return;
        case EA_ISA_NEONDOT:
            if (p->dw_t4) ea_dwconv_run_neondot(p, in, out, scratch);
            else ea_dwconv_run_neon(p, in, out, scratch);
            return;
#endif
        default: break;
        }
    }
    switch (p->isa) {
#if defined(__x86_64__)
    case EA_ISA_AVX2: ea_conv_run_avx2(p, in, out, scratch); return;
    case EA_ISA_AVX512VNNI: ea_conv_run_avx512vnni(p, in, out, scratch); return;
#endif
#if defined(__aarch64__)
    case EA_ISA_NEON: ea_conv_run_neon(p, in, out, scratch); return;
    case EA_ISA_NEONDOT: ea_conv_run_neondot(p, in, out, scratch); return;
#endif
    default: ea_qs8_conv_ref(&p->s, in, p->wref, p->bias, p->mult, p->shift, p->real_scale, out); return;
    }
}

int ea_conv_plan_rows_ok(const ea_conv_plan *p) {
#if defined(__x86_64__)
    return p->isa == EA_ISA_AVX512VNNI || p->isa == EA_ISA_AVX2;
#else
    (void)p;
    return 0;
#endif
}

int ea_conv_plan_out_h(const ea_conv_plan *p) { return p->s.out_h; }

int64_t ea_conv_plan_outputs(const ea_conv_plan *p) { return (int64_t)p->s.out_h * p->s.out_w * p->s.out_c; }

int64_t ea_conv_plan_macs(const ea_conv_plan *p) { return ea_conv_plan_outputs(p) * p->K; }

void ea_conv_plan_prepare_rows(const ea_conv_plan *p, const int8_t *in, void *scratch, int oy0, int oy1) {
#if defined(__x86_64__)
    if (p->isa != EA_ISA_AVX512VNNI && p->isa != EA_ISA_AVX2) return;
    if (oy0 < 0) oy0 = 0;
    if (oy1 > p->s.out_h) oy1 = p->s.out_h;
    if (oy0 >= oy1) return;
    // Padded-image rows the windows of output rows [oy0, oy1) read.
    const int r0 = oy0 * p->s.stride_h, r1 = (oy1 - 1) * p->s.stride_h + p->s.kernel_h;
    if (p->isa == EA_ISA_AVX2) {
        if (p->s.depth_multiplier == 1) ea_dwconv_image16_rows_avx2(p, in, (int16_t *)ea_scratch_image(p, scratch), r0, r1);
        else ea_image16_rows_avx2(p, in, (int16_t *)ea_scratch_image(p, scratch), r0, r1);
        return;
    }
    if (p->s.depth_multiplier == 1) ea_dwconv_image_avx512(p, in, (int16_t *)ea_scratch_image(p, scratch), r0, r1);
    else ea_image_u8_rows_avx512(p, in, (uint8_t *)ea_scratch_image(p, scratch), r0, r1);
#else
    (void)p; (void)in; (void)scratch; (void)oy0; (void)oy1;
#endif
}

void ea_conv_plan_prepare(const ea_conv_plan *p, const int8_t *in, void *scratch) {
#if defined(__x86_64__)
    if (p->isa == EA_ISA_AVX512VNNI) {
        if (p->s.depth_multiplier == 1) ea_dwconv_image_avx512(p, in, (int16_t *)ea_scratch_image(p, scratch), 0, p->dw_hp);
        else ea_image_u8_avx512(p, in, (uint8_t *)ea_scratch_image(p, scratch));
    } else if (p->isa == EA_ISA_AVX2) {
        if (p->s.depth_multiplier == 1) ea_dwconv_image16_rows_avx2(p, in, (int16_t *)ea_scratch_image(p, scratch), 0, p->dw_hp);
        else ea_image16_rows_avx2(p, in, (int16_t *)ea_scratch_image(p, scratch), 0, ea_padded_h(&p->s));
    }
#else
    (void)p; (void)in; (void)scratch;
#endif
}

void ea_conv_plan_run_rows(const ea_conv_plan *p, const void *scratch, int8_t *out, int oy0, int oy1) {
    ea_conv_plan_run_rows_linked(p, NULL, scratch, out, NULL, NULL, oy0, oy1);
}

// MARK: one convolution feeding the next

int ea_conv_plan_can_feed(const ea_conv_plan *p, const ea_conv_plan *next) {
#if defined(__x86_64__)
    if (!p || !next || p->isa != EA_ISA_AVX512VNNI || next->isa != EA_ISA_AVX512VNNI) return 0;
    const ea_conv_shape *a = &p->s, *b = &next->s;
    if (b->in_h != a->out_h || b->in_w != a->out_w || b->in_c != a->out_c || b->in_zp != a->out_zp) return 0;
    // A depthwise layer into the u8 image (x ^ 0x80) of a dense convolution: the depthwise
    // kernels flip their bytes on the way out.
    if (a->depth_multiplier == 1) return b->depth_multiplier != 1;
    // A dense convolution in row tiles or pixels in lanes into a depthwise layer's int16
    // image (x itself, the zero point in the bias), when its channels fill the image's pixels
    // exactly: its stores narrow to int8 as before, then sign-extend (one more operation per
    // 16 outputs). (Reading an int8 image instead, widened per tap, measured 19% slower in
    // the depthwise loops.)
    return b->depth_multiplier == 1 && next->dw_zp_folded && next->dw_cp == b->in_c && ea_conv_has_rows16(p);
#else
    (void)p; (void)next;
    return 0;
#endif
}

size_t ea_conv_plan_image_size(const ea_conv_plan *next) {
#if defined(__x86_64__)
    if (next->isa == EA_ISA_AVX512VNNI) {
        // The rows the kernels read, plus the 64 bytes of slack the input step leaves.
        if (next->s.depth_multiplier != 1) return (size_t)ea_padded_h(&next->s) * ea_padded_w(&next->s) * next->s.in_c + 64;
        // The int16 image and its 64 bytes of slack (ea_dwconv_image_avx512).
        return ((size_t)next->dw_hp * next->dw_wp * next->dw_cp + 32) * sizeof(int16_t);
    }
#endif
    (void)next;
    return 0;
}

void ea_conv_plan_image_init(const ea_conv_plan *next, void *img) {
    // Everything the padding value, the real 0 (zp + 128 in a u8 image, zp in an int16 one):
    // the producer writes only the interior.
    const size_t n = ea_conv_plan_image_size(next);
    if (next->s.depth_multiplier != 1) { memset(img, (uint8_t)(next->s.in_zp + 128), n); return; }
    int16_t *v = (int16_t *)img;
    for (size_t i = 0; i < n / sizeof(int16_t); i++) v[i] = (int16_t)next->s.in_zp;
}

#if defined(__x86_64__)
// Where p's output goes: the dense tensor, or the interior of next's u8 image (row pad_top,
// column pad_left), flipped.
static ea_out_target ea_feed_target(const ea_conv_plan *p, int8_t *out, const ea_conv_plan *next, void *img) {
    if (!next) return ea_dense_target(p, out);
    const ea_conv_shape *b = &next->s;
    ea_out_target t;
    t.row = (size_t)ea_padded_w(b) * b->in_c;
    t.base = (int8_t *)img + (size_t)b->pad_top * t.row + (size_t)b->pad_left * b->in_c;
    t.flip = 0x80;
    return t;
}

// The interior of depthwise plan next's int16 image (row pad_top, column pad_left).
static ea_out16_target ea_feed_target16(const ea_conv_plan *next, void *img) {
    ea_out16_target t;
    t.row = (size_t)next->dw_wp * next->dw_cp;
    t.base = (int16_t *)img + (size_t)next->s.pad_top * t.row + (size_t)next->s.pad_left * next->dw_cp;
    return t;
}
#endif

void ea_conv_plan_run_rows_linked(const ea_conv_plan *p, const void *in_img, const void *scratch, int8_t *out, const ea_conv_plan *next,
                                  void *out_img, int oy0, int oy1) {
    if (oy0 < 0) oy0 = 0;
    if (oy1 > p->s.out_h) oy1 = p->s.out_h;
    if (oy0 >= oy1) return;
#if defined(__x86_64__)
    if (p->isa == EA_ISA_AVX512VNNI) {
        const void *img = in_img ? in_img : ea_scratch_image(p, (void *)scratch);
        if (p->s.depth_multiplier == 1) {
            const ea_out_target t = ea_feed_target(p, out, next, out_img);
            ea_dwconv_rows_avx512(p, (const int16_t *)img, &t, oy0, oy1);
        } else if (next) {
            const ea_out16_target t = ea_feed_target16(next, out_img);
            ea_conv_rows16_avx512vnni(p, (const uint8_t *)img, &t, oy0, oy1);
        } else ea_conv_rows_avx512vnni(p, (const uint8_t *)img, out, oy0, oy1);
    } else if (p->isa == EA_ISA_AVX2) {
        // No AVX2 plan feeds another (ea_conv_plan_can_feed), so next is NULL here.
        const int16_t *img = (const int16_t *)(in_img ? in_img : ea_scratch_image(p, (void *)scratch));
        if (p->s.depth_multiplier == 1) ea_dwconv_rows_avx2(p, img, out, oy0, oy1);
        else ea_conv_rows_avx2(p, img, out, oy0, oy1);
    }
#else
    (void)in_img; (void)scratch; (void)out; (void)next; (void)out_img;
#endif
}

int ea_conv_plan_can_take_pixels(const ea_conv_plan *next) {
#if defined(__x86_64__)
    return next && next->isa == EA_ISA_AVX512VNNI && next->s.depth_multiplier != 1 && next->s.in_c == 1;
#else
    (void)next;
    return 0;
#endif
}

void ea_conv_plan_pixels_into(const ea_conv_plan *next, int isa, const int8_t *flipped_table, const uint8_t *px, void *img) {
#if defined(__x86_64__)
    const ea_conv_shape *b = &next->s;
    const size_t row = (size_t)ea_padded_w(b);
    uint8_t *dst = (uint8_t *)img + (size_t)b->pad_top * row + (size_t)b->pad_left;
    // One channel: planar and interleaved are the same; one table call per image row.
    for (int y = 0; y < b->in_h; y++) ea_u8_table(isa, (size_t)b->in_w, 1, 0, flipped_table, px + (size_t)y * b->in_w, (int8_t *)(dst + y * row));
#else
    (void)next; (void)isa; (void)flipped_table; (void)px; (void)img;
#endif
}

void ea_conv_plan_run_linked(const ea_conv_plan *p, const int8_t *in, const void *in_img, int8_t *out, const ea_conv_plan *next,
                             void *out_img, void *scratch) {
    if (!in_img && !next) { ea_conv_plan_run(p, in, out, scratch); return; }
    if (!in_img) ea_conv_plan_prepare(p, in, scratch);
    ea_conv_plan_run_rows_linked(p, in_img, scratch, out, next, out_img, 0, p->s.out_h);
}

// MARK: pooling, residual add

#if defined(__x86_64__)
// Whether the CPU has AVX-512 VBMI (vpermb), asked once.
static int ea_x86_vbmi(void) {
    static int known = -1;
    if (known < 0) { __builtin_cpu_init(); known = __builtin_cpu_supports("avx512vbmi") ? 1 : 0; }
    return known;
}
#endif

void ea_qs8_maxpool(int isa, int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out) {
#if defined(__x86_64__)
    if (isa == EA_ISA_AVX512VNNI && ea_x86_vbmi() && ea_maxpool_avx512(h, w, c, k, stride, oh, ow, in, out)) return;
    if (isa == EA_ISA_AVX2 || isa == EA_ISA_AVX512VNNI) { ea_maxpool_avx2(h, w, c, k, stride, oh, ow, in, out); return; }
#endif
#if defined(__aarch64__)
    if (isa == EA_ISA_NEON || isa == EA_ISA_NEONDOT) { ea_maxpool_neon(h, w, c, k, stride, oh, ow, in, out); return; }
#endif
    (void)isa;
    ea_qs8_maxpool_ref(h, w, c, k, stride, oh, ow, in, out);
}

void ea_qs8_mean(int isa, int h, int w, int c, int32_t in_zp, int32_t mult, int32_t shift, int32_t out_zp,
                 const int8_t *in, int8_t *out) {
#if defined(__x86_64__)
    if (isa == EA_ISA_AVX512VNNI) { ea_mean_avx512(h, w, c, in_zp, mult, shift, out_zp, in, out); return; }
#endif
    (void)isa;
    ea_qs8_mean_ref(h, w, c, in_zp, mult, shift, out_zp, in, out);
}

void ea_u8_table(int isa, size_t hw, int c, int planar, const int8_t *table, const uint8_t *px, int8_t *out) {
#if defined(__x86_64__)
    if (isa == EA_ISA_AVX512VNNI && c == 1 && ea_x86_vbmi()) { ea_u8_table1_avx512(hw, table, px, out); return; }
    int8_t k[8];
    if ((isa == EA_ISA_AVX2 || isa == EA_ISA_AVX512VNNI) && (!planar || c == 1 || c == 3) && ea_u8_table_shifts(c, table, k)) {
        if (planar && c == 3) ea_u8_shift3_planar_avx2(hw, k, px, out);
        else ea_u8_shift_avx2(hw * (size_t)c, c, k, px, out);
        return;
    }
#endif
    (void)isa;
    ea_u8_table_ref(hw, c, planar, table, px, out);
}

void ea_qs8_avgpool(int isa, int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out) {
#if defined(__x86_64__)
    if (isa == EA_ISA_AVX2 || isa == EA_ISA_AVX512VNNI) { ea_avgpool_avx2(h, w, c, k, stride, oh, ow, in, out); return; }
#endif
#if defined(__aarch64__)
    if (isa == EA_ISA_NEON || isa == EA_ISA_NEONDOT) { ea_avgpool_neon(h, w, c, k, stride, oh, ow, in, out); return; }
#endif
    (void)isa;
    ea_qs8_avgpool_ref(h, w, c, k, stride, oh, ow, in, out);
}

void ea_qs8_gap(int isa, int h, int w, int c, const int8_t *in, int8_t *out) {
    // Global average pool is the average pool whose window is the whole (square or not)
    // image; the SIMD average pool handles square windows, so non-square maps use the reference.
    if (h == w) { ea_qs8_avgpool(isa, h, w, c, h, h, 1, 1, in, out); return; }
    ea_qs8_gap_ref(h, w, c, in, out);
}

void ea_qs8_add(int isa, const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out) {
    const int ok = p->a_mult >= (1 << 30) && p->b_mult >= (1 << 30) && p->out_mult >= (1 << 30) &&
                   p->a_shift <= 0 && p->a_shift >= -31 && p->b_shift <= 0 && p->b_shift >= -31 &&
                   p->out_shift <= 0 && p->out_shift >= -31 && p->left_shift >= 0 && p->left_shift <= 20;
#if defined(__x86_64__)
    if (ok && isa == EA_ISA_AVX512VNNI) { ea_add_avx512(p, n, a, b, out); return; }
    if (ok && isa == EA_ISA_AVX2) { ea_add_avx2(p, n, a, b, out); return; }
#endif
#if defined(__aarch64__)
    if (ok && (isa == EA_ISA_NEON || isa == EA_ISA_NEONDOT)) { ea_add_neon(p, n, a, b, out); return; }
#endif
    (void)isa; (void)ok;
    ea_qs8_add_ref(p, n, a, b, out);
}

void ea_qs8_maxpool2(int isa, const ea_pool_shape *s, const int8_t *in, int8_t *out) {
#if defined(__x86_64__)
    if (isa == EA_ISA_AVX2 || isa == EA_ISA_AVX512VNNI) { ea_maxpool2_avx2(s, in, out); return; }
#endif
#if defined(__aarch64__)
    if (isa == EA_ISA_NEON || isa == EA_ISA_NEONDOT) { ea_maxpool2_neon(s, in, out); return; }
#endif
    (void)isa;
    ea_qs8_maxpool2_ref(s, in, out);
}

void ea_qs8_avgpool2(int isa, const ea_pool_shape *s, const int8_t *in, int8_t *out) {
#if defined(__x86_64__)
    if (isa == EA_ISA_AVX2 || isa == EA_ISA_AVX512VNNI) { ea_avgpool2_avx2(s, in, out); return; }
#endif
#if defined(__aarch64__)
    if (isa == EA_ISA_NEON || isa == EA_ISA_NEONDOT) { ea_avgpool2_neon(s, in, out); return; }
#endif
    (void)isa;
    ea_qs8_avgpool2_ref(s, in, out);
}
