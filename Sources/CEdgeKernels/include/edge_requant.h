// The fixed-point requantisation primitives of the integer spec (gemmlowp/TFLite).
#ifndef EDGE_REQUANT_H
#define EDGE_REQUANT_H
#include <stdint.h>

// a·b / 2^31 rounded to nearest, ties toward +infinity (1.5 → 2, −1.5 → −1: gemmlowp's
// SaturatingRoundingDoublingHighMul, whose name says "rounding" but whose negative nudge
// 1 − 2^30 makes negative ties round toward zero), saturating the single overflow case
// (a = b = INT32_MIN) to INT32_MAX. Equivalently floor((a·b + 2^30) / 2^31), which is how
// the SIMD paths compute it.
static inline int32_t ea_srdhm(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1ll << 30) : (1 - (1ll << 30));
    // C division truncates toward zero: for ab ≥ 0 this is floor((ab + 2^30)/2^31); for
    // ab < 0, ceil((ab + 1 − 2^30)/2^31), which is the same floor((ab + 2^30)/2^31).
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

// acc · mult · 2^(shift − 31), TFLite's double-rounding MultiplyByQuantizedMultiplier
// (tensorflow/lite/kernels/internal/common.cc, the #else of TFLITE_SINGLE_ROUNDING, which
// tflite-micro's builds do not define): left = max(shift, 0), right = max(−shift, 0),
// RDBPOT(SRDHM(acc · 2^left, mult), right). mult in [0, 2^31), shift in [-31, 30].
// TFLite computes acc · (1 << left) in int32 (overflow is undefined in C++ and wraps on
// every target it ships for); the spec makes that wrap explicit: modulo 2^32.
static inline int32_t ea_requant(int32_t acc, int32_t mult, int32_t shift) {
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    int32_t x = (int32_t)((uint32_t)acc << left);
    return ea_rdbpot(ea_srdhm(x, mult), right);
}

// round(double(acc) · scale), ties away from zero (std::round), saturated to int32: the
// float-scale variant of TFLite's reference_integer_ops::FullyConnected. (TFLite's cast of an
// out-of-range double is undefined; saturating gives the same clamped int8 wherever it is not.)
static inline int32_t ea_requant_double(int32_t acc, double scale) {
    double v = (double)acc * scale;
    double a = v < 0 ? -v : v;
    if (!(a < 2147483648.0)) return v < 0 ? INT32_MIN : INT32_MAX;  // also NaN → INT32_MAX
    // std::round without libm: a − floor(a) is exact in binary64 for a < 2^31.
    double f = (double)(int64_t)a;
    if (a - f >= 0.5) f += 1;
    double r = v < 0 ? -f : f;
    if (r >= 2147483647.0) return INT32_MAX;
    return (int32_t)r;
}

// a + b modulo 2^32: TFLite adds the output zero point to the requantised int32 with an
// int32 `+=` (undefined on overflow in C++, a wrapping add on every target), which only
// matters once a left shift or a huge accumulator has pushed the value near ±2^31.
static inline int32_t ea_wrap_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

// The output stage of a convolution: Q31 mode offsets with TFLite's wrapping add; the
// double-scale mode (not a TFLite Micro path) saturates instead. Then the fused clamp.
static inline int8_t ea_conv_out(int32_t r, int mode_double, int32_t zp, int32_t lo, int32_t hi) {
    int64_t v = mode_double ? (int64_t)r + zp : (int64_t)ea_wrap_add(r, zp);
    return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

static inline int8_t ea_clamp8(int32_t v, int32_t lo, int32_t hi) {
    return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}
#endif
