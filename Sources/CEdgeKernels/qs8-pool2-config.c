// Which kernel runs TFLite-style pooling on each ISA.
#include "conv_plan.h"

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
