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

// One convolution (dense is the 1×1-image, 1×1-kernel case).
typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t kernel, stride, pad;
    int32_t in_zp, out_zp;       // zero points, in [-128, 127]
    int32_t act_min, act_max;    // output clamp (ReLU fused as act_min = out_zp)
} ea_conv_shape;

// The reference convolution: acc = bias[o] + Σ (x − in_zp)·w over the window (padding
// contributes 0), out = clamp(requant(acc, mult[o], shift[o]) + out_zp, act_min, act_max).
void ea_qs8_conv_ref(const ea_conv_shape *s, const int8_t *in, const int8_t *w, const int32_t *bias,
                     const int32_t *mult, const int32_t *shift, int8_t *out);

// A prepared convolution for one ISA: packed weights and per-ISA effective biases.
typedef struct ea_conv_plan ea_conv_plan;

// Packs for `isa`; returns NULL when out of memory or the ISA is unsupported.
ea_conv_plan *ea_conv_plan_create(const ea_conv_shape *s, const int8_t *w, const int32_t *bias,
                                  const int32_t *mult, const int32_t *shift, int isa);
void ea_conv_plan_destroy(ea_conv_plan *p);
// Bytes of scratch one concurrent `ea_conv_plan_run` needs.
size_t ea_conv_plan_scratch_size(const ea_conv_plan *p);
// Runs one image; `scratch` must hold ea_conv_plan_scratch_size bytes, 64-byte aligned.
void ea_conv_plan_run(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch);

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

// ReLU on its own (when it cannot be fused): max(x, zp).
void ea_qs8_relu_ref(size_t n, int32_t zp, const int8_t *in, int8_t *out);

#endif
