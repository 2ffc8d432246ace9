// Times a prepared convolution plan from inside C, so the caller's (Python's) per-call
// overhead is not part of edge-audit's number: `iters` back-to-back runs, ns per run.
#include "edge_kernels.h"
#include <time.h>

double ea_bench_plan(const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch, int iters) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < iters; i++) ea_conv_plan_run(p, in, out, scratch);
    clock_gettime(CLOCK_MONOTONIC, &b);
    return ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / iters;
}
