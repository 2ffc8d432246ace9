// The input stage of the int8 engine: uint8 pixels → int8 through a per-channel table.
#include "edge_kernels.h"

void ea_u8_table_ref(size_t hw, int c, int planar, const int8_t *table, const uint8_t *px, int8_t *out) {
    for (int ch = 0; ch < c; ch++) {
        const int8_t *t = table + (size_t)ch * 256;
        for (size_t p = 0; p < hw; p++) out[p * c + ch] = t[planar ? px[(size_t)ch * hw + p] : px[p * c + ch]];
    }
}
