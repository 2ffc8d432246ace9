// ResNet-8's and LeNet-5's int8 convolution shapes on one ISA, timed inside C: median and
// range of 9 rounds of 2000 calls (µs per call, GMAC/s). A second argument picks a whole
// net's convolutions instead, each with how often it runs per image, for a per-layer profile
// (µs × count, share of the total): `resnet8` (models/fashion-resnet8-q.bin, with the 1×1
// stride-2 projections) or `mobilenet` (Tests/Fixtures/import/keras_mobilenet_int8.tflite:
// TensorFlow's SAME padding, depthwise 3×3 and pointwise 1×1). For comparing kernel versions: build once per version
// of Sources/CEdgeKernels and run them one after the other, e.g.
//   SRC=Sources/CEdgeKernels; clang -O2 -I$SRC/include -I$SRC/internal -ISources/CEdgeTeam/include \
//       $(find $SRC Sources/CEdgeTeam -name '*.c') Benchmarks/conv_layers_timer.c -lpthread -o /tmp/conv-layers
//   /tmp/conv-layers 2 [resnet8|mobilenet [THREADS]]   # 2 = AVX-512 VNNI
// A third argument splits each layer's rows over a team of that many threads
// (Sources/CEdgeTeam: what `--threads` does for one image); 1 = the plain one-thread call.
// A fourth argument `relu` gives every layer the output stage of the shipped nets' ReLU
// layers (out_zp = act_min = −128, multipliers drawn from [2^30, 2^31)), which the binary32
// requantisation takes; `linear` the same multipliers with out_zp 3 and no clamp (the
// binary32 stage with the sign-picked bracket); without it, out_zp 3 with no clamp and mult
// 2^30 (a power-of-two multiplier: the exact path).
#include "edge_kernels.h"
#include "edge_team.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
int main(int argc, char **argv) {
    int isa = argc > 1 ? atoi(argv[1]) : 3;
    // pt/pl/pb/pr: padding top, left, bottom, right; dw: depthwise (depth multiplier 1);
    // n: times the layer runs per image.
    typedef struct { int h, w, ci, co, k, s, pt, pl, pb, pr, dw, n; } layer;
    static const layer shapes[] = {
        {28, 28, 1, 16, 3, 1, 1, 1, 1, 1, 0, 1}, {28, 28, 16, 16, 3, 1, 1, 1, 1, 1, 0, 1}, {28, 28, 16, 32, 3, 2, 1, 1, 1, 1, 0, 1},
        {14, 14, 32, 32, 3, 1, 1, 1, 1, 1, 0, 1}, {14, 14, 32, 64, 3, 2, 1, 1, 1, 1, 0, 1}, {7, 7, 64, 64, 3, 1, 1, 1, 1, 1, 0, 1},
        {12, 12, 6, 16, 5, 1, 0, 0, 0, 0, 0, 1}};
    static const layer resnet8[] = {
        {28, 28, 1, 16, 3, 1, 1, 1, 1, 1, 0, 1}, {28, 28, 16, 16, 3, 1, 1, 1, 1, 1, 0, 2}, {28, 28, 16, 32, 3, 2, 1, 1, 1, 1, 0, 1},
        {14, 14, 32, 32, 3, 1, 1, 1, 1, 1, 0, 1}, {28, 28, 16, 32, 1, 2, 0, 0, 0, 0, 0, 1}, {14, 14, 32, 64, 3, 2, 1, 1, 1, 1, 0, 1},
        {7, 7, 64, 64, 3, 1, 1, 1, 1, 1, 0, 1}, {14, 14, 32, 64, 1, 2, 0, 0, 0, 0, 0, 1}};
    static const layer mobilenet[] = {
        {28, 28, 1, 16, 3, 2, 0, 0, 1, 1, 0, 1}, {14, 14, 16, 16, 3, 1, 1, 1, 1, 1, 1, 1}, {14, 14, 16, 32, 1, 1, 0, 0, 0, 0, 0, 1},
        {14, 14, 32, 32, 3, 2, 0, 0, 1, 1, 1, 1}, {7, 7, 32, 64, 1, 1, 0, 0, 0, 0, 0, 1}, {7, 7, 64, 64, 3, 1, 1, 1, 1, 1, 1, 3},
        {7, 7, 64, 64, 1, 1, 0, 0, 0, 0, 0, 2}};
    const char *set = argc > 2 ? argv[2] : "";
    const layer *L = shapes;
    unsigned count = sizeof shapes / sizeof shapes[0];
    if (strcmp(set, "resnet8") == 0) { L = resnet8; count = sizeof resnet8 / sizeof resnet8[0]; }
    else if (strcmp(set, "mobilenet") == 0) { L = mobilenet; count = sizeof mobilenet / sizeof mobilenet[0]; }
    else if (*set) { fprintf(stderr, "unknown shape set %s (resnet8 or mobilenet)\n", set); return 2; }
    const int threads = argc > 3 ? atoi(argv[3]) : 1;
    const int relu = argc > 4 && strcmp(argv[4], "relu") == 0, linear = argc > 4 && strcmp(argv[4], "linear") == 0;
    ea_team *team = threads > 1 ? ea_team_create(threads) : NULL;
    if (threads > 1 && !team) { fprintf(stderr, "cannot start %d threads\n", threads); return 2; }
    double total = 0, med[16];
    for (unsigned l = 0; l < count; l++) {
        ea_conv_shape s = {0};
        s.in_h = L[l].h; s.in_w = L[l].w; s.in_c = L[l].ci; s.out_c = L[l].co; s.kernel_h = s.kernel_w = L[l].k;
        s.stride_h = s.stride_w = L[l].s; s.pad_top = L[l].pt; s.pad_left = L[l].pl; s.pad_bottom = L[l].pb; s.pad_right = L[l].pr;
        s.depth_multiplier = L[l].dw;
        s.out_h = (s.in_h + s.pad_top + s.pad_bottom - s.kernel_h) / s.stride_h + 1;
        s.out_w = (s.in_w + s.pad_left + s.pad_right - s.kernel_w) / s.stride_w + 1;
        s.in_zp = -5; s.out_zp = relu ? -128 : 3; s.act_min = -128; s.act_max = 127;
        int K = ea_conv_window(&s);
        int8_t *w = malloc((size_t)K * s.out_c), *in = malloc((size_t)s.in_h * s.in_w * s.in_c), *out = malloc((size_t)s.out_h * s.out_w * s.out_c);
        int32_t *b = calloc(s.out_c, 4), *m = malloc(4 * s.out_c), *sh = malloc(4 * s.out_c);
        for (int i = 0; i < K * s.out_c; i++) w[i] = (int8_t)(rand() % 255 - 127);
        for (int i = 0; i < s.in_h * s.in_w * s.in_c; i++) in[i] = (int8_t)(rand() % 256 - 128);
        for (int o = 0; o < s.out_c; o++) { m[o] = relu || linear ? (1 << 30) + rand() % (1 << 30) : 1 << 30; sh[o] = -8; }
        ea_conv_plan *p = ea_conv_plan_create(&s, w, b, m, sh, NULL, isa);
        void *scr = aligned_alloc(64, (ea_conv_plan_scratch_size(p) + 63) & ~63);
        double r[9]; int it = 2000;
        for (int k = 0; k < 9; k++) { double a = now(); for (int i = 0; i < it; i++) { if (team) ea_team_conv(team, p, in, out, scr); else ea_conv_plan_run(p, in, out, scr); } r[k] = (now() - a) / it * 1e6; }
        qsort(r, 9, sizeof r[0], cmp);
        double macs = (double)s.out_h * s.out_w * s.out_c * K;
        printf("%2dx%-2d %3d->%-3d k%d s%d%s x%d: %7.2f us [%6.2f-%6.2f]  %5.1f GMAC/s\n", s.in_h, s.in_w, s.in_c, s.out_c,
               s.kernel_h, s.stride_h, L[l].dw ? " dw" : "   ", L[l].n, r[4], r[0], r[8], macs / r[4] / 1e3);
        med[l] = r[4] * L[l].n;
        total += med[l];
    }
    printf("total median %.2f us per image (layers x count)", total);
    if (*set) { printf("; shares:"); for (unsigned l = 0; l < count; l++) printf(" %.0f%%", 100 * med[l] / total); }
    printf("\n");
}
