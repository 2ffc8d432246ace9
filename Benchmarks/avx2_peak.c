// The measured exact-int8 peak of one AVX2 core: 12 independent chains of `vpmaddwd ymm`
// + `vpaddd ymm` (16 int16×int16 products summed in pairs into 8 int32 lanes, then added to
// an accumulator), the step every exact AVX2 int8 convolution runs (edge-audit's and
// XNNPACK's AVX2 qs8 kernels widen bytes to int16 and use vpmaddwd: vpmaddubsw would
// saturate). Best of `rounds` short rounds: G vpmaddwd/s, G MAC/s (16 MACs each) and, with
// the clock from a dependent-add chain, vpmaddwd per cycle. Used by
// Benchmarks/int8_vs_xnnpack.py as the peak on CPUs without AVX-512 VNNI:
//   cc -O2 -mavx2 Benchmarks/avx2_peak.c -o /tmp/avx2-peak && /tmp/avx2-peak
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

#define STEP(c) "vpmaddwd %[a], %[b], %%ymm15\n\t" "vpaddd %%ymm15, %[" #c "], %[" #c "]\n\t"
// 12 chains × `iters` (vpmaddwd, vpaddd) pairs; asm so the compiler cannot merge or drop them.
static __m256i run(long iters, __m256i a, __m256i b) {
    __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
    for (long i = 0; i < iters; i++) {
        __asm__ volatile(STEP(c0) STEP(c1) STEP(c2) STEP(c3) STEP(c4) STEP(c5)
                         : [c0] "+x"(c0), [c1] "+x"(c1), [c2] "+x"(c2), [c3] "+x"(c3), [c4] "+x"(c4), [c5] "+x"(c5)
                         : [a] "x"(a), [b] "x"(b) : "xmm15");
        __asm__ volatile(STEP(c6) STEP(c7) STEP(c8) STEP(c9) STEP(c10) STEP(c11)
                         : [c6] "+x"(c6), [c7] "+x"(c7), [c8] "+x"(c8), [c9] "+x"(c9), [c10] "+x"(c10), [c11] "+x"(c11)
                         : [a] "x"(a), [b] "x"(b) : "xmm15");
    }
    __m256i s = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(c0, c1), _mm256_add_epi32(c2, c3)), _mm256_add_epi32(c4, c5));
    __m256i t = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(c6, c7), _mm256_add_epi32(c8, c9)), _mm256_add_epi32(c10, c11));
    return _mm256_add_epi32(s, t);
}

// Cycles per second from a chain of dependent scalar adds (1 cycle latency) of a register, not
// an immediate: newer Intel cores fold dependent add-immediates at rename (see vnni_peak.c).
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
    long iters = 1000000;
    __m256i a = _mm256_set1_epi16(3), b = _mm256_set1_epi16(-2);
    run(iters * 4, a, b);   // warm up
    double best = 0;
    int sink = 0;
    for (int r = 0; r < rounds; r++) {
        double t = now();
        __m256i s = run(iters, a, b);
        double rate = 12.0 * iters / (now() - t);
        sink += _mm256_extract_epi32(s, 0);
        if (rate > best) best = rate;
    }
    double hz = clock_hz(rounds / 4 + 1);
    printf("AVX2 vpmaddwd peak: %.2f G vpmaddwd/s = %.1f G MAC/s per core (%.2f per cycle at %.2f GHz)%s\n", best / 1e9,
           best * 16 / 1e9, best / hz, hz / 1e9, sink == 1 ? " " : "");
    return 0;
}
