// CEdgeKernels: int8 inference micro-kernels. One scalar reference per op IS the integer
// spec (docs/integer-spec.md); every SIMD path must match it bit for bit.
// Layout: activations are HWC (channels innermost) per image; conv weights [O][ky][kx][C].
// This module promises no Swift API beyond these C declarations.
#ifndef EDGE_KERNELS_H
#define EDGE_KERNELS_H
#include <stddef.h>
#include <stdint.h>

#include "edge_requant.h"

// Instruction-set paths, chosen at run time from the CPU's features.
enum {
    EA_ISA_SCALAR = 0,       // the reference, always available
    EA_ISA_AVX2 = 1,         // x86-64: 16-bit madd (vpmaddwd)
    EA_ISA_AVX512VNNI = 2,   // x86-64: u8×s8 dot product (vpdpbusd)
    EA_ISA_NEON = 3,         // AArch64: 16-bit multiply-accumulate long (smlal)
    EA_ISA_NEONDOT = 4,      // AArch64: s8×s8 dot product (sdot)
    EA_ISA_COUNT = 5
};

// Whether this build and this CPU can run `isa`.
int ea_isa_supported(int isa);
// The fastest supported path.
int ea_isa_best(void);
// A short name for `isa` ("avx512vnni", …).
const char *ea_isa_name(int isa);

// One convolution (dense is the 1×1-image, 1×1-kernel case), ordinary or depthwise.
// Window origin of output (oy, ox) is (oy·stride_h − pad_top, ox·stride_w − pad_left);
// positions outside the image contribute nothing (TFLite's is_point_inside_image).
// pad_bottom / pad_right only document the output size: out_h = (in_h + pad_top +
// pad_bottom − kernel_h) / stride_h + 1 (TF SAME puts the odd pixel there).
typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t kernel_h, kernel_w, stride_h, stride_w;
    int32_t pad_top, pad_left, pad_bottom, pad_right;
    int32_t depth_multiplier;    // 0: ordinary conv, weights [O][kh][kw][C]; m ≥ 1: depthwise,
                                 // out_c = in_c·m, channel o reads input o / m, weights [O][kh][kw]
    int32_t requant_mode;        // EA_REQUANT_Q31 or EA_REQUANT_DOUBLE
    int32_t in_zp, out_zp;       // zero points, in [-128, 127]
    int32_t act_min, act_max;    // output clamp (ReLU fused as act_min = out_zp)
} ea_conv_shape;

enum {
    EA_REQUANT_Q31 = 0,     // ea_requant(acc, mult, shift): TFLite/TFLM MultiplyByQuantizedMultiplier
    EA_REQUANT_DOUBLE = 1   // ea_requant_double(acc, real_scale): round(double(acc)·scale), the
                            // float-scale FullyConnected variant of TFLite's reference_integer_ops
};

// Window length of one output channel: kernel_h·kernel_w·(in_c, or 1 when depthwise).
static inline int32_t ea_conv_window(const ea_conv_shape *s) {
    return s->kernel_h * s->kernel_w * (s->depth_multiplier > 0 ? 1 : s->in_c);
}

// The reference convolution: acc = bias[o] + Σ (x − in_zp)·w over the window (padding
// contributes 0), out = clamp(requant(acc) + out_zp, act_min, act_max), where requant is
// ea_requant(acc, mult[o], shift[o]) or, in EA_REQUANT_DOUBLE mode, ea_requant_double(acc,
// real_scale[o]) (real_scale may be NULL in Q31 mode). Depthwise shapes go to ea_qs8_dwconv_ref.
void ea_qs8_conv_ref(const ea_conv_shape *s, const int8_t *in, const int8_t *w, const int32_t *bias,
                     const int32_t *mult, const int32_t *shift, const double *real_scale, int8_t *out);
// The reference depthwise convolution (TFLite's DepthwiseConvPerChannel, dilation 1):
// channel o = c·m + j sums (x[·,·,c] − in_zp)·w[o][ky][kx] over its window.
void ea_qs8_dwconv_ref(const ea_conv_shape *s, const int8_t *in, const int8_t *w, const int32_t *bias,
                       const int32_t *mult, const int32_t *shift, const double *real_scale, int8_t *out);

// A prepared convolution for one ISA: packed weights and per-ISA effective biases.
typedef struct ea_conv_plan ea_conv_plan;

// Packs for `isa`; returns NULL when out of memory, the ISA is unsupported, or a multiplier
// or shift is outside the validated ranges (mult in [0, 2^31), shift in [-31, 30]).
// Shapes no SIMD path covers (depth multiplier > 1, EA_REQUANT_DOUBLE) run the reference.
ea_conv_plan *ea_conv_plan_create(const ea_conv_shape *s, const int8_t *w, const int32_t *bias,
                                  const int32_t *mult, const int32_t *shift, const double *real_scale, int isa);
void ea_conv_plan_destroy(ea_conv_plan *p);
// Bytes of scratch one concurrent `ea_conv_plan_run` needs.
size_t ea_conv_plan_scratch_size(const ea_conv_plan *p);
// Runs one image; `scratch` must hold ea_conv_plan_scratch_size bytes, 64-byte aligned.
void ea_conv_plan_run(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch);
// The ISA a plan actually runs (EA_ISA_SCALAR when it fell back to the reference).
int ea_conv_plan_isa(const ea_conv_plan *p);
// Running one image in parts (e.g. its output rows on several threads): whether plan `p`
// can (the AVX-512 and AVX2 paths; 0 elsewhere), the input step, which writes the padded image into
// `scratch`, then output rows [oy0, oy1) from it. Any partition of [0, out_h) into ranges,
// run in any order or concurrently on the same scratch (only read), writes exactly what
// ea_conv_plan_run writes. Out-of-range rows are ignored.
int ea_conv_plan_rows_ok(const ea_conv_plan *p);
void ea_conv_plan_prepare(const ea_conv_plan *p, const int8_t *in, void *scratch);
// Only the part of the padded image that output rows [oy0, oy1) read: a thread may then
// run those rows from its own scratch, reading mostly input rows it wrote itself.
void ea_conv_plan_prepare_rows(const ea_conv_plan *p, const int8_t *in, void *scratch, int oy0, int oy1);
void ea_conv_plan_run_rows(const ea_conv_plan *p, const void *scratch, int8_t *out, int oy0, int oy1);
// One convolution feeding the next (AVX-512 plans; 0 elsewhere): instead of writing its
// int8 output tensor, which `next` would then turn into its padded input image (the input
// step), plan `p` writes its output straight into the interior of that image, so `next`
// runs from it with no input step. Possible when `next` reads exactly p's output and
// either `p` is depthwise and `next` a dense convolution (its u8 image: each pointwise
// layer after its depthwise one in MobileNet), or `p` is a dense convolution that runs in
// row tiles and `next` depthwise with channels filling its int16 image (each depthwise
// layer after a pointwise one). `next`'s image buffer holds ea_conv_plan_image_size bytes
// and is set once by ea_conv_plan_image_init (its padding, which no producer writes).
int ea_conv_plan_can_feed(const ea_conv_plan *p, const ea_conv_plan *next);
size_t ea_conv_plan_image_size(const ea_conv_plan *next);
void ea_conv_plan_image_init(const ea_conv_plan *next, void *img);
// Output rows [oy0, oy1) of `p`, read from `in_img` (the image a producer wrote) or, when
// it is NULL, from `scratch` after the input step; written into `next`'s image `out_img`
// (p must feed next) or, when next is NULL, into the tensor `out`. Any partition of the
// rows, run in any order or concurrently, writes what one call over all rows writes.
void ea_conv_plan_run_rows_linked(const ea_conv_plan *p, const void *in_img, const void *scratch, int8_t *out, const ea_conv_plan *next,
                                  void *out_img, int oy0, int oy1);
// The same for a first layer reading the engine's input (one channel, AVX-512 dense plan):
// the pixels go through the input table straight into its u8 image, given the table XOR
// 0x80 (u8 = q + 128), one image row at a time; then it runs with in_img = that image.
int ea_conv_plan_can_take_pixels(const ea_conv_plan *next);
void ea_conv_plan_pixels_into(const ea_conv_plan *next, int isa, const int8_t *flipped_table, const uint8_t *px, void *img);
// The whole image: the input step from `in` unless in_img is given, then every row.
void ea_conv_plan_run_linked(const ea_conv_plan *p, const int8_t *in, const void *in_img, int8_t *out, const ea_conv_plan *next,
                             void *out_img, void *scratch);
// Output rows, output values (out_h·out_w·out_c) and multiply-accumulates per image
// (outputs × window) of plan `p`.
int ea_conv_plan_out_h(const ea_conv_plan *p);
int64_t ea_conv_plan_outputs(const ea_conv_plan *p);
int64_t ea_conv_plan_macs(const ea_conv_plan *p);

// Pooling with TFLite's window rules (reference_integer_ops/pooling.h): the window is
// clipped to the image, so padding never contributes; average divides by the number of
// positions inside (count excludes padding), rounding half away from zero; max starts at
// −128; both then clamp to [act_min, act_max].
typedef struct {
    int32_t in_h, in_w, c, out_h, out_w;
    int32_t kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left;
    int32_t act_min, act_max;
} ea_pool_shape;
void ea_qs8_maxpool2_ref(const ea_pool_shape *s, const int8_t *in, int8_t *out);
void ea_qs8_avgpool2_ref(const ea_pool_shape *s, const int8_t *in, int8_t *out);
// The same on `isa` (AVX2 for both x86 ISAs, NEON for both AArch64 ones; else the reference).
void ea_qs8_maxpool2(int isa, const ea_pool_shape *s, const int8_t *in, int8_t *out);
void ea_qs8_avgpool2(int isa, const ea_pool_shape *s, const int8_t *in, int8_t *out);

// TFLM's int8 MEAN over H and W (reference_ops::QuantizedMeanOrSum): per channel
// out = clamp(ea_requant(Σ x − in_zp·n, mult, shift) + out_zp, −128, 127), n = h·w, with
// (mult, shift) already holding TFLM's 1/n adjustment (see docs/integer-spec.md).
void ea_qs8_mean_ref(int h, int w, int c, int32_t in_zp, int32_t mult, int32_t shift, int32_t out_zp,
                     const int8_t *in, int8_t *out);

// The same on `isa` (AVX-512 on the VNNI path, else the reference).
void ea_qs8_mean(int isa, int h, int w, int c, int32_t in_zp, int32_t mult, int32_t shift, int32_t out_zp,
                 const int8_t *in, int8_t *out);

// Spatial PAD of an HWC image with `value` (TFLite PAD: the output zero point).
void ea_qs8_pad_ref(int h, int w, int c, int top, int bottom, int left, int right, int8_t value,
                    const int8_t *in, int8_t *out);

// Max pool, k×k windows, no padding: out[oy][ox][c] = max over the window.
void ea_qs8_maxpool_ref(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out);
void ea_qs8_maxpool(int isa, int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out);

// Average pool (k×k, no padding) and global average pool: the window sum divided by the
// count, rounded half away from zero (input and output share scale and zero point).
void ea_qs8_avgpool_ref(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out);
void ea_qs8_gap_ref(int h, int w, int c, const int8_t *in, int8_t *out);
void ea_qs8_avgpool(int isa, int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out);
void ea_qs8_gap(int isa, int h, int w, int c, const int8_t *in, int8_t *out);

// Element-wise add of two int8 tensors with their own scales (TFLite's scheme):
// each input is centred, shifted left by `left_shift`, rescaled by its multiplier,
// summed, rescaled by the output multiplier, offset and clamped.
typedef struct {
    int32_t a_zp, a_mult, a_shift;
    int32_t b_zp, b_mult, b_shift;
    int32_t left_shift;
    int32_t out_mult, out_shift, out_zp, act_min, act_max;
} ea_add_params;
void ea_qs8_add_ref(const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out);
// The same on `isa` (multipliers must lie in [2^30, 2^31) and shifts in [-31, 0], as the
// loader guarantees; anything else falls back to the reference).
void ea_qs8_add(int isa, const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out);

// The engine's input: out[p·c + ch] = table[ch·256 + pixel] for the hw pixels of each of c
// channels, read planar ([C][H][W], planar ≠ 0) or interleaved ([H][W][C]); out is HWC.
void ea_u8_table_ref(size_t hw, int c, int planar, const int8_t *table, const uint8_t *px, int8_t *out);
// The same on `isa` (one channel: AVX-512 VBMI; else the reference).
void ea_u8_table(int isa, size_t hw, int c, int planar, const int8_t *table, const uint8_t *px, int8_t *out);

// ReLU on its own (when it cannot be fused): max(x, zp).
void ea_qs8_relu_ref(size_t n, int32_t zp, const int8_t *in, int8_t *out);

#endif
