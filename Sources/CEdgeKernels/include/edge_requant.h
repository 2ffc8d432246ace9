// The fixed-point requantisation primitives of the integer spec (gemmlowp/TFLite).
#ifndef EDGE_REQUANT_H
#define EDGE_REQUANT_H
#include <stdint.h>

// round(a·b / 2^31) with ties away from zero, saturating the single overflow case
// (a = b = INT32_MIN) to INT32_MAX.
static inline int32_t ea_srdhm(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1ll << 30) : (1 - (1ll << 30));
    // C division truncates toward zero, which with the nudge gives round-half-away.
    return (int32_t)((ab + nudge) / (1ll << 31));
}

// x / 2^exponent rounded half away from zero, 0 <= exponent <= 31.
static inline int32_t ea_rdbpot(int32_t x, int exponent) {
    if (exponent == 0) return x;
    int32_t mask = (int32_t)((1ll << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// acc · mult · 2^(shift − 31) for shift in [-31, 0]: the real multiplier M = mult·2^(shift−31),
// mult in [2^30, 2^31).
static inline int32_t ea_requant(int32_t acc, int32_t mult, int32_t shift) {
    return ea_rdbpot(ea_srdhm(acc, mult), -shift);
}

static inline int8_t ea_clamp8(int32_t v, int32_t lo, int32_t hi) {
    return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}
#endif
