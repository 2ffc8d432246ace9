// Two builds of Sources/CEdgeKernels in one process, timed against each other on the same
// layers in finely interleaved rounds: on a host whose interference swings a binary by 2×
// within minutes (BENCHMARKS.md), separate runs of two timers cannot resolve a 5% change,
// while rounds of 100 calls alternating A, B, A, B… see the same interference. Each build
// is a shared library (dlopen, RTLD_LOCAL, so the two sets of symbols stay apart):
//   for v in old new; do SRC=<tree of $v>/Sources/CEdgeKernels; clang -O2 -fno-strict-aliasing -shared -fPIC \
//       -I$SRC/include -I$SRC/internal $(find $SRC -name '*.c') -o /tmp/kern-$v.so; done
//   clang -O2 -ISources/CEdgeKernels/include Benchmarks/kernels_ab.c -ldl -o /tmp/kernels-ab
//   /tmp/kernels-ab /tmp/kern-old.so /tmp/kern-new.so mobilenet|resnet8|add|chain [ROUNDS [whole|rows|Brows]]
// (rows: only the output rows from a prepared image, no input step; Brows: B so, A whole;
// chain: the MobileNet-style net's nine convolutions in order, each build linking a layer
// into the next one's image wherever its ea_conv_plan_can_feed allows, as the engine does;
// with Bunlinked, B links nothing, so one build against itself gives what linking saves).
// Per layer: the minimum and median µs per call of each build over ROUNDS rounds (default
// 200), and B's median ÷ A's median of the per-round ratios. The layers take the output
// stage of the shipped nets' ReLU layers (out_zp = act_min = −128, multipliers in
// [2^30, 2^31)), as `conv_layers_timer.c … relu` does, on the best ISA's plans; the
// outputs of A and B are compared.
#include "edge_kernels.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// The ISA both builds run: the best this CPU has (AVX-512 VNNI where present, else AVX2; the
// rows modes and chain need AVX-512 VNNI).
static int ISA = EA_ISA_AVX512VNNI;

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
                for (int i = 0; i < 100; i++) f[w](ISA, &p, n, a, b, o[w]);
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

typedef int (*feed_fn)(const ea_conv_plan *, const ea_conv_plan *);
typedef void (*image_init_fn)(const ea_conv_plan *, void *);
typedef void (*linked_fn)(const ea_conv_plan *, const int8_t *, const void *, int8_t *, const ea_conv_plan *, void *, void *);

// `chain`: the MobileNet-style net's convolutions in order (stem, then depthwise and
// pointwise in turn), every zero point −128 so that each layer may feed the next; each build
// links where it can. Times the whole chain per call and compares the last outputs.
static int run_chain(const char *pa, const char *pb, int rounds, int b_unlinked) {
    static const int L[9][8] = {  // h, w, ci, co, k, s, SAME pads (top/left, bottom/right), depthwise
        {28, 28, 1, 16, 3, 2, 0, 1}, {14, 14, 16, 16, 3, 1, 1, 1}, {14, 14, 16, 32, 1, 1, 0, 0}, {14, 14, 32, 32, 3, 2, 0, 1},
        {7, 7, 32, 64, 1, 1, 0, 0}, {7, 7, 64, 64, 3, 1, 1, 1}, {7, 7, 64, 64, 1, 1, 0, 0}, {7, 7, 64, 64, 3, 1, 1, 1},
        {7, 7, 64, 64, 1, 1, 0, 0}};
    const char *path[2] = {pa, pb};
    build B[2];
    feed_fn feed[2]; size_fn isize[2]; image_init_fn iinit[2]; linked_fn linked[2];
    for (int b = 0; b < 2; b++) {
        B[b] = load(path[b]);
        void *h = dlopen(path[b], RTLD_NOW | RTLD_LOCAL);  // the handle load() opened (dlopen counts references)
        feed[b] = (feed_fn)dlsym(h, "ea_conv_plan_can_feed"); isize[b] = (size_fn)dlsym(h, "ea_conv_plan_image_size");
        iinit[b] = (image_init_fn)dlsym(h, "ea_conv_plan_image_init"); linked[b] = (linked_fn)dlsym(h, "ea_conv_plan_run_linked");
        if (!feed[b] || !isize[b] || !iinit[b] || !linked[b]) { fprintf(stderr, "%s: no linked-layer symbols\n", path[b]); return 2; }
    }
    srand(7);
    ea_conv_plan *P[2][9];
    void *scr[2][9], *img[2][9];
    int8_t *t[2][10];
    int links[2] = {0, 0};
    const size_t nin = 28 * 28;
    t[0][0] = malloc(nin); t[1][0] = t[0][0];
    for (size_t i = 0; i < nin; i++) t[0][0][i] = (int8_t)(rand() % 256 - 128);
    for (int l = 0; l < 9; l++) {
        ea_conv_shape s = {0};
        s.in_h = L[l][0]; s.in_w = L[l][1]; s.in_c = L[l][2]; s.out_c = L[l][3]; s.kernel_h = s.kernel_w = L[l][4];
        s.stride_h = s.stride_w = L[l][5]; s.pad_top = s.pad_left = L[l][6]; s.pad_bottom = s.pad_right = L[l][7];
        s.depth_multiplier = l % 2 == 1;
        s.out_h = (s.in_h + s.pad_top + s.pad_bottom - s.kernel_h) / s.stride_h + 1;
        s.out_w = (s.in_w + s.pad_left + s.pad_right - s.kernel_w) / s.stride_w + 1;
        s.in_zp = -128; s.out_zp = -128; s.act_min = -128; s.act_max = 127;
        const int K = ea_conv_window(&s);
        int8_t *w = malloc((size_t)K * s.out_c);
        int32_t *bias = malloc(4 * s.out_c), *m = malloc(4 * s.out_c), *sh = malloc(4 * s.out_c);
        for (int i = 0; i < K * s.out_c; i++) w[i] = (int8_t)(rand() % 255 - 127);
        for (int o = 0; o < s.out_c; o++) { bias[o] = rand() % 4000; m[o] = (1 << 30) + rand() % (1 << 30); sh[o] = -8; }
        for (int b = 0; b < 2; b++) {
            P[b][l] = B[b].create(&s, w, bias, m, sh, NULL, ISA);
            scr[b][l] = aligned_alloc(64, (B[b].scratch(P[b][l]) + 63) & ~(size_t)63);
            t[b][l + 1] = malloc((size_t)s.out_h * s.out_w * s.out_c);
        }
        free(w); free(bias); free(m); free(sh);  // the plans hold copies
    }
    for (int l = 0; l + 1 < 9; l++)
        if (L[l + 1][0] != ((const ea_conv_shape *)P[0][l])->out_h) { fprintf(stderr, "chain: layer %d's output is not layer %d's input\n", l, l + 1); return 2; }
    for (int b = 0; b < 2; b++)
        for (int l = 0; l < 9; l++) {
            img[b][l] = NULL;
            if (l + 1 < 9 && !(b == 1 && b_unlinked) && feed[b](P[b][l], P[b][l + 1])) {
                img[b][l] = aligned_alloc(64, (isize[b](P[b][l + 1]) + 63) & ~(size_t)63);
                iinit[b](P[b][l + 1], img[b][l]);
                links[b]++;
            }
        }
    double *tm[2] = {malloc(sizeof(double) * rounds), malloc(sizeof(double) * rounds)}, *ratio = malloc(sizeof(double) * rounds);
    const int calls = 100;
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < 2; k++) {
            const int b = (r & 1) ? 1 - k : k;
            const double a = now();
            for (int i = 0; i < calls; i++)
                for (int l = 0; l < 9; l++)
                    linked[b](P[b][l], t[b][l], l ? img[b][l - 1] : NULL, t[b][l + 1], img[b][l] ? P[b][l + 1] : NULL, img[b][l], scr[b][l]);
            tm[b][r] = (now() - a) / calls * 1e6;
        }
    if (memcmp(t[0][9], t[1][9], 7 * 7 * 64) != 0) { fprintf(stderr, "chain: the two builds' outputs differ\n"); return 1; }
    for (int r = 0; r < rounds; r++) ratio[r] = tm[1][r] / tm[0][r];
    qsort(tm[0], rounds, sizeof(double), cmp); qsort(tm[1], rounds, sizeof(double), cmp); qsort(ratio, rounds, sizeof(double), cmp);
    printf("MobileNet-style convolutions, links A %d B %d: A %6.3f min %6.3f med  B %6.3f min %6.3f med  B/A %.3f [%.3f-%.3f]\n", links[0],
           links[1], tm[0][0], tm[0][rounds / 2], tm[1][0], tm[1][rounds / 2], ratio[rounds / 2], ratio[rounds / 10],
           ratio[rounds - 1 - rounds / 10]);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: kernels-ab A.so B.so mobilenet|resnet8|add|chain [ROUNDS [whole|rows|Brows|Bunlinked]]\n"); return 2; }
    const int rounds = argc > 4 ? atoi(argv[4]) : 200;
    {
        void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
        int (*best)(void) = h ? (int (*)(void))dlsym(h, "ea_isa_best") : NULL;
        const char *(*name)(int) = h ? (const char *(*)(int))dlsym(h, "ea_isa_name") : NULL;
        if (!best || !name) { fprintf(stderr, "%s: no ea_isa_best\n", argv[1]); return 2; }
        ISA = best();
        fprintf(stderr, "ISA: %s\n", name(ISA));
    }
    if (strcmp(argv[3], "add") == 0) return run_adds(argv[1], argv[2], rounds);
    if (strcmp(argv[3], "chain") == 0) return run_chain(argv[1], argv[2], rounds, argc > 5 && strcmp(argv[5], "Bunlinked") == 0);
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
            p[b] = B[b].create(&s, w, bias, m, sh, NULL, ISA);
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
