// The measured int8 peak of one core: 16 independent chains of AVX-512 VNNI `vpdpbusd zmm`
// (each 64 u8×s8 products summed into 16 int32 lanes), enough chains to cover the
// instruction's latency × throughput on current x86 cores, so the loop runs at the issue
// rate. Prints the best of `rounds` short rounds (~10 ms each, so that on a shared machine
// some rounds see the core alone): G vpdpbusd/s, G MAC/s (64 MACs each) and, with the clock
// estimated from a dependent-add chain (best of as many rounds), vpdpbusd per cycle.
// Used by Benchmarks/int8_vs_xnnpack.py as the "% of VNNI peak per core" denominator:
//   cc -O2 -mavx512f -mavx512vnni Benchmarks/vnni_peak.c -o /tmp/vnni-peak && /tmp/vnni-peak
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

// 16 chains × `iters` vpdpbusd; asm so the compiler cannot merge or drop the chains.
static __m512i run(long iters, __m512i a, __m512i b) {
    __m512i c0 = _mm512_setzero_si512(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    __m512i c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
    for (long i = 0; i < iters; i++) {
        // Two statements of 8: one asm takes at most 30 operands.
        __asm__ volatile("vpdpbusd %[a], %[b], %[c0]\n\t" "vpdpbusd %[a], %[b], %[c1]\n\t" "vpdpbusd %[a], %[b], %[c2]\n\t" "vpdpbusd %[a], %[b], %[c3]\n\t" "vpdpbusd %[a], %[b], %[c4]\n\t" "vpdpbusd %[a], %[b], %[c5]\n\t" "vpdpbusd %[a], %[b], %[c6]\n\t" "vpdpbusd %[a], %[b], %[c7]\n\t" 
                         : [c0] "+v"(c0), [c1] "+v"(c1), [c2] "+v"(c2), [c3] "+v"(c3), [c4] "+v"(c4), [c5] "+v"(c5), [c6] "+v"(c6), [c7] "+v"(c7)
                         : [a] "v"(a), [b] "v"(b));
        __asm__ volatile("vpdpbusd %[a], %[b], %[c8]\n\t" "vpdpbusd %[a], %[b], %[c9]\n\t" "vpdpbusd %[a], %[b], %[c10]\n\t" "vpdpbusd %[a], %[b], %[c11]\n\t" "vpdpbusd %[a], %[b], %[c12]\n\t" "vpdpbusd %[a], %[b], %[c13]\n\t" "vpdpbusd %[a], %[b], %[c14]\n\t" "vpdpbusd %[a], %[b], %[c15]\n\t" 
                         : [c8] "+v"(c8), [c9] "+v"(c9), [c10] "+v"(c10), [c11] "+v"(c11), [c12] "+v"(c12), [c13] "+v"(c13), [c14] "+v"(c14), [c15] "+v"(c15)
                         : [a] "v"(a), [b] "v"(b));
    }
    __m512i s = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(c0, c1), _mm512_add_epi32(c2, c3)),
                                 _mm512_add_epi32(_mm512_add_epi32(c4, c5), _mm512_add_epi32(c6, c7)));
    __m512i t = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(c8, c9), _mm512_add_epi32(c10, c11)),
                                 _mm512_add_epi32(_mm512_add_epi32(c12, c13), _mm512_add_epi32(c14, c15)));
    return _mm512_add_epi32(s, t);
}

// Cycles per second from a chain of dependent scalar adds (1 cycle latency on every x86 core
// this runs on), 8 adds per iteration so loop overhead hides behind the chain. The addend is
// a register, not an immediate: Golden Cove and later cores fold dependent add-immediates at
// rename, which made this read about 12 GHz on an Emerald Rapids.
static double clock_hz(int rounds) {
    long n = 5000000, x = 0, one = 1;
    double best = 0;
    for (int r = 0; r < rounds; r++) {
        double t = now();
        for (long i = 0; i < n; i++) __asm__ volatile("add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
                                                      "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0" : "+r"(x) : "r"(one));
        double hz = 8.0 * n / (now() - t);
        if (hz > best) best = hz;
    }
    return best;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 200;
    long iters = 5000000;
    __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
    run(iters * 4, a, b);   // warm up (frequency, AVX-512 power state)
    double best = 0;
    int sink = 0;
    for (int r = 0; r < rounds; r++) {
        double t = now();
        __m512i s = run(iters, a, b);
        double rate = 16.0 * iters / (now() - t);
        sink += _mm512_reduce_add_epi32(s);
        if (rate > best) best = rate;
    }
    double hz = clock_hz(rounds);
    printf("vpdpbusd zmm, 16 chains, 1 thread, best of %d rounds: %.2f G dpbusd/s = %.1f G MAC/s; clock ~%.2f GHz, %.2f dpbusd/cycle (sink %d)\n",
           rounds, best / 1e9, best * 64 / 1e9, hz / 1e9, best / hz, sink & 1);
    return 0;
}
