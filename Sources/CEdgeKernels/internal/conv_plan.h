// Internal: the prepared-convolution structure and the prototypes of every per-ISA kernel,
// shared by the op folders and config.c (which alone chooses among them).
#ifndef EA_CONV_PLAN_H
#define EA_CONV_PLAN_H
#include "edge_kernels.h"

// Output pixels computed together: weights loaded once serve this many pixels.
#define EA_PIXELS 4

struct ea_conv_plan {
    ea_conv_shape s;
    int isa;           // the ISA that runs (EA_ISA_SCALAR when the reference is the only path)
    int K;             // window length: kernel_h·kernel_w·in_c (kernel_h·kernel_w depthwise)
    int Kp;            // K padded to the ISA's group (4 for dot products, 2 for madd, 1 otherwise)
    int Op;            // out_c padded to the ISA's vector width
    void *w;           // packed weights (layout per ISA, see each file)
    int32_t *bias_eff; // [Op] bias with the ISA's zero-point correction folded in
    int32_t *mult;     // [out_c]
    int32_t *shift;    // [out_c]
    int32_t *mult_p;   // [Op] mult padded with 2^30 (a harmless value) for SIMD requantisation
    int32_t *rshift_p; // [Op] max(−shift, 0) (right-shift count), padded with 0
    int32_t *lshift_p; // [Op] max(shift, 0) (left-shift count), padded with 0
    double *real_scale; // [out_c] EA_REQUANT_DOUBLE scales (NULL in Q31 mode)
    // Depthwise SIMD plans (depth multiplier 1): channels per block, blocks, the padded
    // image's geometry and each tap's element offset from the window origin.
    int dw_block, dw_cp, dw_hp, dw_wp;
    int dw_pair;       // AVX-512, 16 channels: two output pixels per 32-lane vector
    int dw_t4;         // NEON-dot: scratch holds the raw image and the 4-tap image
    int dw_zp_folded;  // x86 depthwise: the int16 image holds x (padded with zp), the bias −zp·Σw
    int32_t *dw_tap;   // [kernel_h·kernel_w rounded up to 2]
    int8_t *wref;      // [out_c][K] reference layout (scalar plan)
    int32_t *bias;     // [out_c]
    int paired;        // AVX-512: out_c ≤ 8, lanes 8–15 repeat lanes 0–7 so one vector serves two pixels
    int64_t *rq;       // AVX-512: [3][Op] one-rounding requantisation constants (x86_requant.h)
    int rq_lshift;     // some channel has a left shift (the accumulators are shifted first)
    int rq_zp;         // out_zp·2^(31+r) is folded into the constants (no separate add)
    float *fq;         // AVX-512: [5][Op] binary32 requantisation (x86_requant.h ea_fq16), or NULL
    int rq_fast;       // ea_fq_prepare's verdict: 0 exact path, 1 binary32, 2 binary32 with the sign-picked bracket
    // AVX-512 VBMI "pixels in lanes" path for thin inputs (conv/avx512vnni_lanes.c): packed
    // weights [kh][G][16][4], byte indices (the output transposition's [4][64], then each
    // 4-byte group's window gather [G][64], bytes 64+ from its second row), the transposition's masks and per-channel
    // requantisation constants [16][4] (mult, constant for P ≥ 0, for P < 0, shift).
    int lanes, lgroups;
    uint8_t lrow[16][2]; // each 4-byte group's two source rows (kernel rows)
    int8_t *lw;
    uint8_t *lidx;
    uint64_t lhi[4];
    int64_t lq[16][4];
};

// Where the depthwise kernels write their output: row oy starts at base + oy·row, its
// pixels out_c bytes apart, and every byte is XORed with flip. The dense int8 tensor is base
// = out, row = out_w·out_c, flip 0; a plan feeding a convolution (ea_conv_plan_can_feed)
// writes into the interior of that one's padded u8 image (x + 128 = x ^ 0x80), flip 0x80.
typedef struct { int8_t *base; size_t row; int flip; } ea_out_target;
static inline ea_out_target ea_dense_target(const ea_conv_plan *p, int8_t *out) {
    ea_out_target t = {out, (size_t)p->s.out_w * p->s.out_c, 0};
    return t;
}

// Where a convolution writes int16 outputs: the interior of a depthwise consumer's int16
// image (x itself, ea_dwconv_image_avx512's layout), row oy at base + oy·row elements, its
// pixels out_c elements apart.
typedef struct { int16_t *base; size_t row; } ea_out16_target;

// Rows/columns of the zero-padded image the x86 paths store: in + pad_top + pad_bottom
// (at least what the windows reach), likewise for width.
static inline int ea_padded_h(const ea_conv_shape *s) {
    int need = (s->out_h - 1) * s->stride_h + s->kernel_h, have = s->in_h + s->pad_top;
    return have > need ? have : need;
}
static inline int ea_padded_w(const ea_conv_shape *s) {
    int need = (s->out_w - 1) * s->stride_w + s->kernel_w, have = s->in_w + s->pad_left;
    return have > need ? have : need;
}

// Gathers the K-long window of output pixel (oy, ox) of an HWC byte image `img` (already
// in the kernel's domain, e.g. u8 = x + 128) into dst, padding with pad_value; entries
// K..Kp-1 are zero. Whole kernel rows inside the image are single memcpy runs.
void ea_patch8(const ea_conv_plan *p, const uint8_t *img, int oy, int ox, uint8_t pad_value, uint8_t *dst);
// The same for an int16 image (x − in_zp), padding 0.
void ea_patch16(const ea_conv_plan *p, const int16_t *img, int oy, int ox, int16_t *dst);
// Scratch regions: patches, accumulators, the converted input image.
static inline void *ea_scratch_patches(const ea_conv_plan *p, void *scratch) { (void)p; return scratch; }
static inline int32_t *ea_scratch_acc(const ea_conv_plan *p, void *scratch) {
    return (int32_t *)((char *)scratch + ((((size_t)EA_PIXELS * p->Kp * 2) + 63) & ~(size_t)63));
}
static inline void *ea_scratch_image(const ea_conv_plan *p, void *scratch) {
    return (char *)ea_scratch_acc(p, scratch) + ((((size_t)EA_PIXELS * p->Op * 4) + 63) & ~(size_t)63);
}
// The accumulator bound of output channel c: |bias| + 255·Σ|w| (K taps of wref).
int64_t ea_acc_bound(const ea_conv_plan *p, int c);
// Pads mult/shift to Op lanes; called by the SIMD packers after setting Op.
int ea_pad_requant(ea_conv_plan *p);
// The AVX-512 one-rounding constants from the padded lanes (Op a multiple of 16); called
// after any lane copying the packer does.
int ea_rq16_prepare(ea_conv_plan *p);

// p->fq and p->rq_fast from the padded lanes (ea_fq_prepare over every lane, each with its
// channel's accumulator bound), or rq_fast 0 when a lane shifts left. margin: how far the
// kernel's FMAs may round beyond directed rounding (0 with AVX-512's embedded rounding,
// EA_FQ_RN_MARGIN for the round-to-nearest FMAs of AVX2); the constants move out by it.
int ea_fq_plan(ea_conv_plan *p, double margin);
// Moves the lower constants of ea_fq_prepare's array down and the upper ones up by margin
// (rounding outwards).
void ea_fq_widen(float *fq, int op, double margin);
// Half an ulp of a binary32 value below 256 is 2^−17: twice that, for the AVX2 stages.
#define EA_FQ_RN_MARGIN (1.0 / 65536)

// Binary32 requantisation constants (x86_requant.h, ea_fq16) for `n` lanes of a block of
// `op`: lane j has multiplier mult[j], right shift rshift[j] (no left shift), accumulator
// bound |acc| ≤ bound[j]; zp and [act_min, act_max] are the output zero point and clamp.
// Fills fq[0..5·op) and returns 1 when every lane qualifies with the plain bracket, 2 when
// some lane needs the sign-picked one (ea_fq16_apply_signed), 0 when a lane does not qualify
// (then fq must not be used).
int ea_fq_prepare(float *fq, int op, int n, const int32_t *mult, const int32_t *rshift, const int64_t *bound, int32_t zp,
                  int32_t act_min, int32_t act_max);
// 2^e exactly (no libm), and the binary32 values next to a finite v: the largest ≤ v, the
// smallest ≥ v (conv/plan.c; the binary32 output stages round their constants outwards).
double ea_pow2(int e);
float ea_float_down(double v);
float ea_float_up(double v);
// Tests only: let ea_fq_prepare take multipliers whose coarse grid makes many lanes
// undecided (correct either way, only slower), so the fallbacks run often.
void ea_fq_accept_all(int on);

// sum / count rounded half away from zero (count > 0): the pooling rounding of the spec.
static inline int32_t ea_div_round_away(int32_t sum, int32_t count) {
    return sum >= 0 ? (sum + count / 2) / count : -((-sum + count / 2) / count);
}

// The reference average over one window for channels [ch, c): the scalar tail shared by the
// SIMD average pools.
static inline void ea_avgpool_tail(int w, int c, int k, int stride, int oy, int ox, int ch, const int8_t *in, int8_t *dst) {
    for (; ch < c; ch++) {
        int32_t s = 0;
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) s += in[((size_t)(oy * stride + ky) * w + ox * stride + kx) * c + ch];
        dst[ch] = (int8_t)ea_div_round_away(s, k * k);
    }
}
// Chooses and runs the packing of plan `p` for `isa` (config.c: the ISA→kernel choice),
// setting p->isa to the ISA that will run (the reference for what no SIMD path covers).
int ea_conv_select(ea_conv_plan *p, int isa);
// Requantises accumulators acc[j][0..out_c) of `n` pixels starting at pixel index `first`.
void ea_conv_store(const ea_conv_plan *p, const int32_t *acc, int n, int first, int8_t *out);

#if defined(__x86_64__)
// Zeroed memory on a 64-byte boundary (free() releases it): packed weights and per-lane
// constants are read as whole 64-byte vectors, and a misaligned block splits every load
// across two cache lines (measured: a 16→16 3×3 layer 7% slower whenever the heap happened
// to place its weights 48 bytes past a line).
#include <stdlib.h>
#include <string.h>
static inline void *ea_calloc64(size_t n, size_t size) {
    const size_t bytes = ((n * size) + 63) & ~(size_t)63;
    void *q = aligned_alloc(64, bytes ? bytes : 64);
    if (q) memset(q, 0, bytes ? bytes : 64);
    return q;
}
int ea_conv_pack_avx2(ea_conv_plan *p);
void ea_conv_run_avx2(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch);
// AVX2 by rows (a team splits one image's output rows): padded-image rows [r0, r1) of the
// int16 image in the plan's scratch layout, and output rows [oy0, oy1) from a built image.
void ea_image16_rows_avx2(const ea_conv_plan *p, const int8_t *in, int16_t *img, int r0, int r1);
void ea_conv_rows_avx2(const ea_conv_plan *p, const int16_t *img, int8_t *out, int oy0, int oy1);
int ea_conv_pack_avx512vnni(ea_conv_plan *p);
// The padded u8 image of the AVX-512 convolutions (borders zp + 128, interior x ^ 0x80),
// whole or its rows [r0, r1).
void ea_image_u8_avx512(const ea_conv_plan *p, const int8_t *in, uint8_t *img);
void ea_image_u8_rows_avx512(const ea_conv_plan *p, const int8_t *in, uint8_t *img, int r0, int r1);
// Pixels-in-lanes convolution for thin inputs: packs when the shape fits (returns 1 and
// sets p->lanes), else leaves the plan alone (returns 1); 0 only when out of memory.
int ea_conv_lanes_pack_avx512(ea_conv_plan *p);
void ea_conv_lanes_run_avx512(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int oy0, int oy1, int8_t *out);
// The same rows as int16 into a depthwise consumer's image.
void ea_conv_lanes_rows16_avx512(const ea_conv_plan *p, const uint8_t *img, size_t rowBytes, int oy0, int oy1, const ea_out16_target *t);
void ea_conv_run_avx512vnni(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch);
// Output rows [oy0, oy1) of the AVX-512 convolution from its padded u8 image.
void ea_conv_rows_avx512vnni(const ea_conv_plan *p, const uint8_t *img, int8_t *out, int oy0, int oy1);
// Whether p's output rows can be written as int16 (they run in row tiles or pixels in
// lanes, the paths with an int16 output); and those rows written as int16 into a depthwise
// consumer's image.
int ea_conv_has_rows16(const ea_conv_plan *p);
void ea_conv_rows16_avx512vnni(const ea_conv_plan *p, const uint8_t *img, const ea_out16_target *t, int oy0, int oy1);
void ea_maxpool_avx2(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out);
// AVX-512 MEAN over H and W (the reference's sums, 16 channels per vector).
void ea_mean_avx512(int h, int w, int c, int32_t in_zp, int32_t mult, int32_t shift, int32_t out_zp, const int8_t *in, int8_t *out);
// AVX-512 VBMI table lookup of n one-channel pixels.
void ea_u8_table1_avx512(size_t n, const int8_t *table, const uint8_t *px, int8_t *out);
// Whether each of the c tables (c ≤ 8) is a byte shift t[i] = i + k[ch] mod 256 (filling k),
// and the input step for such tables on n interleaved values (input/avx2.c).
int ea_u8_table_shifts(int c, const int8_t *table, int8_t *k);
void ea_u8_shift_avx2(size_t n, int c, const int8_t *k, const uint8_t *px, int8_t *out);
void ea_u8_shift3_planar_avx2(size_t hw, const int8_t *k, const uint8_t *px, int8_t *out);
// AVX-512 VBMI max pool for k·c ≤ 64; returns 0 (nothing written) otherwise.
int ea_maxpool_avx512(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out);
void ea_avgpool_avx2(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out);
void ea_add_avx2(const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out);
void ea_add_avx512(const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out);
// Whether the AVX-512 add runs p in one binary32 bracket (tests count the cases), and for
// tests the bracket's two ends for 16 input pairs (nothing written when it does not).
int ea_add_bracket_ok(const ea_add_params *p);
void ea_add_bracket_ends(const ea_add_params *p, const int8_t *a, const int8_t *b, float *lo, float *hi);
void ea_maxpool2_avx2(const ea_pool_shape *s, const int8_t *in, int8_t *out);
void ea_avgpool2_avx2(const ea_pool_shape *s, const int8_t *in, int8_t *out);
#endif
#if defined(__aarch64__)
int ea_conv_pack_neon(ea_conv_plan *p);
void ea_conv_run_neon(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch);
int ea_conv_pack_neondot(ea_conv_plan *p);
void ea_conv_run_neondot(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch);
void ea_maxpool_neon(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out);
void ea_avgpool_neon(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out);
void ea_add_neon(const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out);
int ea_dwconv_pack_neon(ea_conv_plan *p);
void ea_dwconv_run_neon(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch);
int ea_dwconv_pack_neondot(ea_conv_plan *p);
void ea_maxpool2_neon(const ea_pool_shape *s, const int8_t *in, int8_t *out);
void ea_avgpool2_neon(const ea_pool_shape *s, const int8_t *in, int8_t *out);
void ea_dwconv_run_neondot(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch);
#endif
// Depthwise packing shared by the x86 files (lane order of unpacklo/hi + madd pairs).
int ea_dwconv_pack_x86(ea_conv_plan *p, int block, int pair, int fold_zp);
#if defined(__x86_64__)
void ea_dwconv_run_avx2(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch);
void ea_dwconv_image16_rows_avx2(const ea_conv_plan *p, const int8_t *in, int16_t *img, int r0, int r1);
void ea_dwconv_rows_avx2(const ea_conv_plan *p, const int16_t *img, int8_t *out, int oy0, int oy1);
void ea_dwconv_run_avx512(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch);
// The AVX-512 depthwise convolution in its two steps: rows [r0, r1) of the int16 image,
// then output rows [oy0, oy1).
void ea_dwconv_image_avx512(const ea_conv_plan *p, const int8_t *in, int16_t *img, int r0, int r1);
void ea_dwconv_rows_avx512(const ea_conv_plan *p, const int16_t *img, const ea_out_target *t, int oy0, int oy1);
#endif
#endif
