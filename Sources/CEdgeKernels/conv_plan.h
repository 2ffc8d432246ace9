// Internal: the prepared-convolution structure shared by the per-ISA files.
#ifndef EA_CONV_PLAN_H
#define EA_CONV_PLAN_H
#include "edge_kernels.h"

// Output pixels computed together: weights loaded once serve this many pixels.
#define EA_PIXELS 4

struct ea_conv_plan {
    ea_conv_shape s;
    int isa;
    int K;             // kernel·kernel·in_c
    int Kp;            // K padded to the ISA's group (4 for dot products, 2 for madd, 1 otherwise)
    int Op;            // out_c padded to the ISA's vector width
    void *w;           // packed weights (layout per ISA, see each file)
    int32_t *bias_eff; // [Op] bias with the ISA's zero-point correction folded in
    int32_t *mult;     // [out_c]
    int32_t *shift;    // [out_c]
    int8_t *wref;      // [out_c][K] reference layout (scalar plan)
    int32_t *bias;     // [out_c]
};

// Gathers the K-long window of output pixel (oy, ox) into dst as 8-bit values
// x ^ flip (flip 0x80 turns int8 into the u8 value x + 128), padding with pad_value;
// entries K..Kp-1 are zero.
void ea_patch8(const ea_conv_plan *p, const int8_t *in, int oy, int ox, uint8_t flip, uint8_t pad_value, uint8_t *dst);
// The same window as int16 values x − in_zp (padding 0), entries K..Kp-1 zero.
void ea_patch16(const ea_conv_plan *p, const int8_t *in, int oy, int ox, int16_t *dst);
// Requantises accumulators acc[j][0..out_c) of `n` pixels starting at pixel index `first`.
void ea_conv_store(const ea_conv_plan *p, const int32_t *acc, int n, int first, int8_t *out);

#if defined(__x86_64__)
int ea_conv_pack_avx2(ea_conv_plan *p);
void ea_conv_run_avx2(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch);
int ea_conv_pack_avx512vnni(ea_conv_plan *p);
void ea_conv_run_avx512vnni(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch);
void ea_maxpool_avx2(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out);
void ea_avgpool_avx2(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out);
#endif
#if defined(__aarch64__)
int ea_conv_pack_neon(ea_conv_plan *p);
void ea_conv_run_neon(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch);
int ea_conv_pack_neondot(ea_conv_plan *p);
void ea_conv_run_neondot(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch);
void ea_maxpool_neon(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out);
void ea_avgpool_neon(int h, int w, int c, int k, int stride, int oh, int ow, const int8_t *in, int8_t *out);
#endif
#endif
