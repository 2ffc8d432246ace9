// Two builds of Sources/CEdgeKernels in one process, timed against each other on the same
// layers in finely interleaved rounds: on a host whose interference swings a binary by 2×
// within minutes (BENCHMARKS.md), separate runs of two timers cannot resolve a 5% change,
// while rounds of 100 calls alternating A, B, A, B… see the same interference. Each build
// is a shared library (dlopen, RTLD_LOCAL, so the two sets of symbols stay apart):
//   for v in old new; do SRC=<tree of $v>/Sources/CEdgeKernels; clang -O2 -fno-strict-aliasing -shared -fPIC \
//       -I$SRC/include -I$SRC/internal $(find $SRC -name '*.c') -o /tmp/kern-$v.so; done
//   clang -O2 -ISources/CEdgeKernels/include Benchmarks/kernels_ab.c -ldl -o /tmp/kernels-ab
//   /tmp/kernels-ab /tmp/kern-old.so /tmp/kern-new.so mobilenet|resnet8|add [ROUNDS [whole|rows|Brows]]
// (rows: only the output rows from a prepared image, no input step; Brows: B so, A whole).
// Per layer: the minimum and median µs per call of each build over ROUNDS rounds (default
// 200), and B's median ÷ A's median of the per-round ratios. The layers take the output
// stage of the shipped nets' ReLU layers (out_zp = act_min = −128, multipliers in
// [2^30, 2^31)), as `conv_layers_timer.c … relu` does, on the AVX-512 VNNI plans; the
// outputs of A and B are compared.
#include "edge_kernels.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef ea_conv_plan *(*create_fn)(const ea_conv_shape *, const int8_t *, const int32_t *, const int32_t *, const int32_t *, const double *, int);
typedef size_t (*size_fn)(const ea_conv_plan *);
typedef void (*run_fn)(const ea_conv_plan *, const int8_t *, int8_t *, void *);
typedef void (*destroy_fn)(ea_conv_plan *);
typedef void (*prepare_fn)(const ea_conv_plan *, const int8_t *, void *);
typedef void (*rows_fn)(const ea_conv_plan *, const void *, int8_t *, int, int);
typedef struct { create_fn create; size_fn scratch; run_fn run; destroy_fn destroy; prepare_fn prepare; rows_fn rows; } build;

static build load(const char *path) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) { fprintf(stderr, "%s\n", dlerror()); exit(2); }
    build b = {(create_fn)dlsym(h, "ea_conv_plan_create"), (size_fn)dlsym(h, "ea_conv_plan_scratch_size"),
               (run_fn)dlsym(h, "ea_conv_plan_run"), (destroy_fn)dlsym(h, "ea_conv_plan_destroy"),
               (prepare_fn)dlsym(h, "ea_conv_plan_prepare"), (rows_fn)dlsym(h, "ea_conv_plan_run_rows")};
    if (!b.create || !b.scratch || !b.run || !b.destroy || !b.prepare || !b.rows) { fprintf(stderr, "%s: missing symbols\n", path); exit(2); }
    return b;
}
typedef void (*add_fn)(int, const ea_add_params *, size_t, const int8_t *, const int8_t *, int8_t *);

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

// `add`: ResNet-8's three residual adds (ea_qs8_add, AVX-512) with TFLite's parameter
// ranges (left shift 20, input shifts 0…−2, output shift −19), same rounds and ratios.
static int run_adds(const char *pa, const char *pb, int rounds) {
    add_fn f[2];
    const char *path[2] = {pa, pb};
    for (int i = 0; i < 2; i++) {
        void *h = dlopen(path[i], RTLD_NOW | RTLD_LOCAL);
        if (!h || !(f[i] = (add_fn)dlsym(h, "ea_qs8_add"))) { fprintf(stderr, "%s: no ea_qs8_add\n", path[i]); return 2; }
    }
    static const size_t sizes[] = {28 * 28 * 16, 14 * 14 * 32, 7 * 7 * 64};
    const ea_add_params p = {-3, 1518500250, -1, 7, 1288490189, -2, 20, 1431655765, -19, 4, -128, 127};
    srand(7);
    for (int l = 0; l < 3; l++) {
        const size_t n = sizes[l];
        int8_t *a = malloc(n), *b = malloc(n), *o[2] = {malloc(n), malloc(n)};
        for (size_t i = 0; i < n; i++) { a[i] = (int8_t)(rand() % 256 - 128); b[i] = (int8_t)(rand() % 256 - 128); }
        double *t[2] = {malloc(sizeof(double) * rounds), malloc(sizeof(double) * rounds)}, *ratio = malloc(sizeof(double) * rounds);
        for (int r = 0; r < rounds; r++)
            for (int k = 0; k < 2; k++) {
                const int w = (r & 1) ? 1 - k : k;
                const double s0 = now();
                for (int i = 0; i < 100; i++) f[w](EA_ISA_AVX512VNNI, &p, n, a, b, o[w]);
                t[w][r] = (now() - s0) / 100 * 1e6;
            }
        if (memcmp(o[0], o[1], n) != 0) { fprintf(stderr, "add of %zu: the two builds' outputs differ\n", n); return 1; }
        for (int r = 0; r < rounds; r++) ratio[r] = t[1][r] / t[0][r];
        qsort(t[0], rounds, sizeof(double), cmp); qsort(t[1], rounds, sizeof(double), cmp); qsort(ratio, rounds, sizeof(double), cmp);
        printf("add %6zu: A %6.3f min %6.3f med  B %6.3f min %6.3f med  B/A %.3f [%.3f-%.3f]\n", n, t[0][0], t[0][rounds / 2], t[1][0],
               t[1][rounds / 2], ratio[rounds / 2], ratio[rounds / 10], ratio[rounds - 1 - rounds / 10]);
        free(a); free(b); free(o[0]); free(o[1]); free(t[0]); free(t[1]); free(ratio);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: kernels-ab A.so B.so mobilenet|resnet8|add [ROUNDS [whole|rows|Brows]]\n"); return 2; }
    const int rounds = argc > 4 ? atoi(argv[4]) : 200;
    if (strcmp(argv[3], "add") == 0) return run_adds(argv[1], argv[2], rounds);
    build B[2] = {load(argv[1]), load(argv[2])};
    // rows: both time only the output rows from a prepared image (no input step); Brows: B
    // does, A runs whole (what linking a layer to its producer saves).
    const char *mode = argc > 5 ? argv[5] : "whole";
    const int rows_only[2] = {strcmp(mode, "rows") == 0, strcmp(mode, "rows") == 0 || strcmp(mode, "Brows") == 0};
    typedef struct { int h, w, ci, co, k, s, pt, pl, pb, pr, dw, n; } layer;
    static const layer resnet8[] = {
        {28, 28, 1, 16, 3, 1, 1, 1, 1, 1, 0, 1}, {28, 28, 16, 16, 3, 1, 1, 1, 1, 1, 0, 2}, {28, 28, 16, 32, 3, 2, 1, 1, 1, 1, 0, 1},
        {14, 14, 32, 32, 3, 1, 1, 1, 1, 1, 0, 1}, {28, 28, 16, 32, 1, 2, 0, 0, 0, 0, 0, 1}, {14, 14, 32, 64, 3, 2, 1, 1, 1, 1, 0, 1},
        {7, 7, 64, 64, 3, 1, 1, 1, 1, 1, 0, 1}, {14, 14, 32, 64, 1, 2, 0, 0, 0, 0, 0, 1}};
    // The imported MobileNet-style net (Tests/Fixtures/import/keras_mobilenet_int8.tflite).
    static const layer mobilenet[] = {
        {28, 28, 1, 16, 3, 2, 0, 0, 1, 1, 0, 1}, {14, 14, 16, 16, 3, 1, 1, 1, 1, 1, 1, 1}, {14, 14, 16, 32, 1, 1, 0, 0, 0, 0, 0, 1},
        {14, 14, 32, 32, 3, 2, 0, 0, 1, 1, 1, 1}, {7, 7, 32, 64, 1, 1, 0, 0, 0, 0, 0, 1}, {7, 7, 64, 64, 3, 1, 1, 1, 1, 1, 1, 2},
        {7, 7, 64, 64, 1, 1, 0, 0, 0, 0, 0, 2}};
    const layer *L = strcmp(argv[3], "resnet8") == 0 ? resnet8 : mobilenet;
    const unsigned count = L == resnet8 ? sizeof resnet8 / sizeof resnet8[0] : sizeof mobilenet / sizeof mobilenet[0];
    double tot[2] = {0, 0};
    srand(7);
    for (unsigned l = 0; l < count; l++) {
        ea_conv_shape s = {0};
        s.in_h = L[l].h; s.in_w = L[l].w; s.in_c = L[l].ci; s.out_c = L[l].co; s.kernel_h = s.kernel_w = L[l].k;
        s.stride_h = s.stride_w = L[l].s; s.pad_top = L[l].pt; s.pad_left = L[l].pl; s.pad_bottom = L[l].pb; s.pad_right = L[l].pr;
        s.depth_multiplier = L[l].dw;
        s.out_h = (s.in_h + s.pad_top + s.pad_bottom - s.kernel_h) / s.stride_h + 1;
        s.out_w = (s.in_w + s.pad_left + s.pad_right - s.kernel_w) / s.stride_w + 1;
        s.in_zp = -5; s.out_zp = -128; s.act_min = -128; s.act_max = 127;
        const int K = ea_conv_window(&s);
        const size_t nin = (size_t)s.in_h * s.in_w * s.in_c, nout = (size_t)s.out_h * s.out_w * s.out_c;
        int8_t *w = malloc((size_t)K * s.out_c), *in = malloc(nin), *out[2] = {malloc(nout), malloc(nout)};
        int32_t *bias = calloc(s.out_c, 4), *m = malloc(4 * s.out_c), *sh = malloc(4 * s.out_c);
        for (int i = 0; i < K * s.out_c; i++) w[i] = (int8_t)(rand() % 255 - 127);
        for (size_t i = 0; i < nin; i++) in[i] = (int8_t)(rand() % 256 - 128);
        for (int o = 0; o < s.out_c; o++) { m[o] = (1 << 30) + rand() % (1 << 30); sh[o] = -8; }
        ea_conv_plan *p[2];
        void *scr[2];
        for (int b = 0; b < 2; b++) {
            p[b] = B[b].create(&s, w, bias, m, sh, NULL, EA_ISA_AVX512VNNI);
            scr[b] = aligned_alloc(64, (B[b].scratch(p[b]) + 63) & ~(size_t)63);
            B[b].run(p[b], in, out[b], scr[b]);
        }
        if (memcmp(out[0], out[1], nout) != 0) { fprintf(stderr, "layer %u: the two builds' outputs differ\n", l); return 1; }
        double *t[2] = {malloc(sizeof(double) * rounds), malloc(sizeof(double) * rounds)}, *ratio = malloc(sizeof(double) * rounds);
        const int calls = 100;
        for (int r = 0; r < rounds; r++)
            for (int k = 0; k < 2; k++) {
                const int b = (r & 1) ? 1 - k : k;  // A B, B A, …: neither always goes first
                const double a = now();
                if (rows_only[b]) { B[b].prepare(p[b], in, scr[b]); for (int i = 0; i < calls; i++) B[b].rows(p[b], scr[b], out[b], 0, s.out_h); }
                else for (int i = 0; i < calls; i++) B[b].run(p[b], in, out[b], scr[b]);
                t[b][r] = (now() - a) / calls * 1e6;
            }
        for (int r = 0; r < rounds; r++) ratio[r] = t[1][r] / t[0][r];
        qsort(t[0], rounds, sizeof(double), cmp); qsort(t[1], rounds, sizeof(double), cmp); qsort(ratio, rounds, sizeof(double), cmp);
        printf("%2dx%-2d %3d->%-3d k%d s%d%s x%d: A %6.3f min %6.3f med  B %6.3f min %6.3f med  B/A %.3f [%.3f-%.3f]\n", s.in_h, s.in_w,
               s.in_c, s.out_c, s.kernel_h, s.stride_h, L[l].dw ? " dw" : "   ", L[l].n, t[0][0], t[0][rounds / 2], t[1][0], t[1][rounds / 2],
               ratio[rounds / 2], ratio[rounds / 10], ratio[rounds - 1 - rounds / 10]);
        tot[0] += t[0][0] * L[l].n; tot[1] += t[1][0] * L[l].n;
        for (int b = 0; b < 2; b++) { B[b].destroy(p[b]); free(scr[b]); free(out[b]); free(t[b]); }
        free(ratio); free(w); free(in); free(bias); free(m); free(sh);
    }
    printf("sum of minimums per image (µs × count): A %.2f, B %.2f\n", tot[0], tot[1]);
    return 0;
}
