// The layer-splitting team (Sources/CEdgeTeam) against the one-thread kernels: teams of
// 2–4 threads run convolutions (ResNet-8's and MobileNet's shapes, odd sizes, fewer rows
// than threads) and adds split into parts, thousands of times with pauses that let the
// workers fall asleep, and must write exactly what ea_conv_plan_run / ea_qs8_add write.
// Built by scripts/sanitize.sh under ThreadSanitizer (data races in the hand-off) and
// under AddressSanitizer.
//   usage: team_check [seed] [rounds per shape]
#include "edge_kernels.h"
#include "edge_team.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t state;
static uint32_t next32(void) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(state >> 33);
}

typedef struct { int h, w, ci, co, k, s, pad, dw; } shape;

static int check_conv(ea_team *team, const shape *L, int rounds) {
    ea_conv_shape s;
    memset(&s, 0, sizeof s);
    s.in_h = L->h; s.in_w = L->w; s.in_c = L->ci; s.out_c = L->co; s.kernel_h = s.kernel_w = L->k;
    s.stride_h = s.stride_w = L->s; s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = L->pad;
    s.depth_multiplier = L->dw;
    s.out_h = (s.in_h + 2 * L->pad - L->k) / L->s + 1;
    s.out_w = (s.in_w + 2 * L->pad - L->k) / L->s + 1;
    s.in_zp = -3; s.out_zp = 5; s.act_min = 5; s.act_max = 127; s.requant_mode = EA_REQUANT_Q31;
    const int K = ea_conv_window(&s);
    const size_t nin = (size_t)s.in_h * s.in_w * s.in_c, nout = (size_t)s.out_h * s.out_w * s.out_c;
    int8_t *w = malloc((size_t)K * s.out_c), *in = malloc(nin), *a = malloc(nout), *b = malloc(nout);
    int32_t *bias = malloc(4 * (size_t)s.out_c), *m = malloc(4 * (size_t)s.out_c), *sh = malloc(4 * (size_t)s.out_c);
    for (int i = 0; i < K * s.out_c; i++) w[i] = (int8_t)(next32() % 255 - 127);
    for (int o = 0; o < s.out_c; o++) { bias[o] = (int32_t)(next32() % 20001) - 10000; m[o] = (int32_t)((1u << 30) + next32() % (1u << 30)); sh[o] = -(int32_t)(6 + next32() % 6); }
    ea_conv_plan *p = ea_conv_plan_create(&s, w, bias, m, sh, NULL, ea_isa_best());
    size_t bytes = (ea_conv_plan_scratch_size(p) + 63) & ~(size_t)63;
    void *s1 = aligned_alloc(64, bytes), *s2 = aligned_alloc(64, bytes);
    int bad = 0;
    for (int r = 0; r < rounds && !bad; r++) {
        for (size_t i = 0; i < nin; i++) in[i] = (int8_t)next32();
        memset(b, 0x55, nout);
        ea_conv_plan_run(p, in, a, s1);
        ea_team_conv(team, p, in, b, s2);
        if (memcmp(a, b, nout)) {
            fprintf(stderr, "team of %d: %dx%dx%d->%d k%d s%d dw%d round %d differs\n", ea_team_size(team), L->h, L->w, L->ci, L->co, L->k, L->s, L->dw, r);
            bad = 1;
        }
        // Now and then let the workers fall asleep, so the wake-up path runs too.
        if (r % 97 == 0) { struct timespec ts = {0, 400000}; nanosleep(&ts, NULL); }
    }
    ea_conv_plan_destroy(p);
    free(s1); free(s2); free(w); free(in); free(a); free(b); free(bias); free(m); free(sh);
    return bad;
}

static int check_add(ea_team *team, size_t n, int rounds) {
    ea_add_params p = {-3, 1518500250, -1, 7, 1288490189, -2, 20, 1431655765, -19, 4, -128, 127};
    int8_t *x = malloc(n), *y = malloc(n), *a = malloc(n), *b = malloc(n);
    int bad = 0;
    for (int r = 0; r < rounds && !bad; r++) {
        for (size_t i = 0; i < n; i++) { x[i] = (int8_t)next32(); y[i] = (int8_t)next32(); }
        ea_qs8_add(ea_isa_best(), &p, n, x, y, a);
        ea_team_add(team, ea_isa_best(), &p, n, x, y, b);
        if (memcmp(a, b, n)) { fprintf(stderr, "team of %d: add of %zu elements differs (round %d)\n", ea_team_size(team), n, r); bad = 1; }
    }
    free(x); free(y); free(a); free(b);
    return bad;
}

int main(int argc, char **argv) {
    state = argc > 1 ? strtoull(argv[1], NULL, 10) : 20261201;
    const int rounds = argc > 2 ? atoi(argv[2]) : 150;
    static const shape shapes[] = {
        {28, 28, 16, 16, 3, 1, 1, 0}, {28, 28, 16, 32, 3, 2, 1, 0}, {14, 14, 32, 64, 3, 2, 1, 0}, {7, 7, 64, 64, 3, 1, 1, 0},
        {28, 28, 1, 16, 3, 1, 1, 0}, {14, 14, 64, 64, 3, 1, 1, 1}, {7, 7, 64, 64, 1, 1, 0, 0}, {3, 40, 32, 48, 3, 1, 1, 0},
        {2, 30, 16, 16, 3, 1, 1, 1}, {25, 9, 24, 40, 3, 1, 1, 0}};
    int bad = 0, runs = 0;
    long split = 0;
    for (int threads = 2; threads <= 4 && !bad; threads++) {
        for (int again = 0; again < 2 && !bad; again++) {  // create and destroy teams repeatedly
            ea_team *team = ea_team_create(threads);
            if (!team) { fprintf(stderr, "cannot start a team of %d\n", threads); return 1; }
            for (unsigned i = 0; i < sizeof shapes / sizeof shapes[0] && !bad; i++) { bad |= check_conv(team, &shapes[i], rounds); runs += rounds; }
            bad |= check_add(team, 12544, 2 * rounds);
            bad |= check_add(team, 4097, 2 * rounds);
            runs += 4 * rounds;
            split += ea_team_jobs(team);
            ea_team_destroy(team);
        }
    }
    if (ea_team_create(1) != NULL) { fprintf(stderr, "a team of one thread was created\n"); bad = 1; }
    if (bad) return 1;
    printf("team: %d layers on teams of 2-4 threads (%ld of them split) equal the one-thread kernels\n", runs, split);
    return 0;
}
