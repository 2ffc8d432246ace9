// Reference residual add (TFLite's integer ADD): two input requantisations, a sum, an
// output requantisation, the fused clamp.
#include "edge_kernels.h"

void ea_qs8_add_ref(const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out) {
    for (size_t i = 0; i < n; i++) {
        int32_t sa = ((int32_t)a[i] - p->a_zp) * (1 << p->left_shift);
        int32_t sb = ((int32_t)b[i] - p->b_zp) * (1 << p->left_shift);
        int32_t ra = ea_requant(sa, p->a_mult, p->a_shift);
        int32_t rb = ea_requant(sb, p->b_mult, p->b_shift);
        int32_t v = ea_requant(ra + rb, p->out_mult, p->out_shift) + p->out_zp;
        out[i] = ea_clamp8(v, p->act_min, p->act_max);
    }
}
