// The worker team of edge_team.h. A job is published by bumping a generation counter;
// workers spin on it for a while (layers follow each other within microseconds) and then
// sleep on a condition variable, so an idle team costs no CPU. Every shared flag is a
// sequentially consistent atomic: a worker announces it will sleep and then re-reads the
// generation, the caller bumps the generation and then reads the sleeper count, so one of
// them always sees the other (no lost wake-up).
#define _GNU_SOURCE
#include "edge_team.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define EA_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define EA_RELAX() __asm__ __volatile__("yield")
#else
#define EA_RELAX() ((void)0)
#endif

// How long a worker spins for the next job before it sleeps.
#define EA_TEAM_SPIN_NS 200000

typedef void (*ea_part_fn)(void *ctx, int part, int parts);

struct ea_team;
typedef struct { struct ea_team *t; int part; } ea_worker;

struct ea_team {
    int threads;
    pthread_t *tid;
    ea_worker *w;
    atomic_ulong gen;    // bumped once per job (so also the number of jobs run)
    atomic_int left;     // workers that have not finished the current job
    atomic_int sleepers;
    atomic_int stop;
    void **scratch;      // each worker's own convolution scratch (its part of the image)
    size_t scratch_bytes;
    ea_part_fn fn;       // the current job, written before gen is bumped
    void *ctx;
    int parts;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *worker_main(void *arg) {
    ea_worker *me = (ea_worker *)arg;
    struct ea_team *t = me->t;
    unsigned long seen = 0;
    for (;;) {
        unsigned long g = atomic_load(&t->gen);
        int64_t since = 0;
        for (unsigned spins = 0; g == seen && !atomic_load(&t->stop); g = atomic_load(&t->gen), spins++) {
            EA_RELAX();
            if (spins % 256) continue;
            if (!since) { since = now_ns(); continue; }
            if (now_ns() - since < EA_TEAM_SPIN_NS) continue;
            pthread_mutex_lock(&t->mu);
            atomic_fetch_add(&t->sleepers, 1);
            while (atomic_load(&t->gen) == seen && !atomic_load(&t->stop)) pthread_cond_wait(&t->cv, &t->mu);
            atomic_fetch_sub(&t->sleepers, 1);
            pthread_mutex_unlock(&t->mu);
            since = 0;
        }
        if (atomic_load(&t->stop)) return NULL;
        seen = g;
        if (me->part < t->parts) t->fn(t->ctx, me->part, t->parts);
        atomic_fetch_sub(&t->left, 1);
    }
}

ea_team *ea_team_create(int threads) {
    if (threads < 2 || threads > 64) return NULL;
    struct ea_team *t = (struct ea_team *)calloc(1, sizeof *t);
    if (!t) return NULL;
    t->threads = threads;
    t->tid = (pthread_t *)calloc((size_t)threads - 1, sizeof(pthread_t));
    t->w = (ea_worker *)calloc((size_t)threads - 1, sizeof(ea_worker));
    t->scratch = (void **)calloc((size_t)threads - 1, sizeof(void *));
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    if (!t->tid || !t->w || !t->scratch) { free(t->tid); free(t->w); free(t->scratch); free(t); return NULL; }
    for (int i = 0; i < threads - 1; i++) {
        t->w[i].t = t;
        t->w[i].part = i + 1;
        if (pthread_create(&t->tid[i], NULL, worker_main, &t->w[i]) != 0) {
            t->threads = i + 1;  // the workers started so far
            ea_team_destroy(t);
            return NULL;
        }
    }
    return t;
}

void ea_team_destroy(ea_team *t) {
    if (!t) return;
    pthread_mutex_lock(&t->mu);
    atomic_store(&t->stop, 1);
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    for (int i = 0; i < t->threads - 1; i++) pthread_join(t->tid[i], NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    for (int i = 0; i < t->threads - 1; i++) free(t->scratch[i]);
    free(t->scratch);
    free(t->tid);
    free(t->w);
    free(t);
}

int ea_team_size(const ea_team *t) { return t ? t->threads : 1; }

long ea_team_jobs(const ea_team *t) { return t ? (long)atomic_load(&((ea_team *)t)->gen) : 0; }

// Runs fn(ctx, part, parts) for every part (≤ threads), part 0 on the caller; returns when
// all are done, their writes visible to the caller.
static void team_run(struct ea_team *t, int parts, ea_part_fn fn, void *ctx) {
    t->fn = fn;
    t->ctx = ctx;
    t->parts = parts;
    atomic_store(&t->left, t->threads - 1);
    atomic_fetch_add(&t->gen, 1);
    if (atomic_load(&t->sleepers)) {
        pthread_mutex_lock(&t->mu);
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
    }
    fn(ctx, 0, parts);
    while (atomic_load(&t->left) > 0) EA_RELAX();
}

typedef struct {
    const ea_conv_plan *p, *next;
    const int8_t *in;
    const void *in_img;
    void *const *scratch;
    int8_t *out;
    void *out_img;
    int rows;
} conv_job;

// Each part builds the padded-image rows its output rows read in its own scratch, mostly
// from input rows the same thread wrote in the layer before (rows split alike), so little
// data crosses between cores; then it runs those rows.
static void conv_part(void *ctx, int part, int parts) {
    const conv_job *j = (const conv_job *)ctx;
    const int lo = j->rows * part / parts, hi = j->rows * (part + 1) / parts;
    if (!j->in_img) ea_conv_plan_prepare_rows(j->p, j->in, j->scratch[part], lo, hi);
    ea_conv_plan_run_rows_linked(j->p, j->in_img, j->scratch[part], j->out, j->next, j->out_img, lo, hi);
}

// Grows every worker's scratch to `bytes` (on the caller, before a job is published).
static int worker_scratch(struct ea_team *t, size_t bytes) {
    if (bytes <= t->scratch_bytes) return 1;
    bytes = (bytes + 4095) & ~(size_t)4095;
    for (int i = 0; i < t->threads - 1; i++) {
        void *m = aligned_alloc(64, bytes);
        if (!m) return 0;
        free(t->scratch[i]);
        t->scratch[i] = m;
    }
    t->scratch_bytes = bytes;
    return 1;
}

int ea_team_splits_conv(const ea_conv_plan *p) {
    // The AVX2 kernels take about four times as long per multiply-accumulate (a quarter of
    // the peak: 83 against 480 G MAC/s per core, BENCHMARKS.md), so layers a quarter the
    // size already cover a fork and join.
    const int64_t min = ea_conv_plan_isa(p) == EA_ISA_AVX2 ? EA_TEAM_MIN_WORK / 4 : EA_TEAM_MIN_WORK;
    return ea_conv_plan_out_h(p) >= 2 && ea_conv_plan_rows_ok(p) && ea_conv_plan_macs(p) + 24 * ea_conv_plan_outputs(p) >= min;
}

void ea_team_conv(ea_team *t, const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch) {
    ea_team_conv_linked(t, p, in, NULL, out, NULL, NULL, scratch);
}

void ea_team_conv_linked(ea_team *t, const ea_conv_plan *p, const int8_t *in, const void *in_img, int8_t *out, const ea_conv_plan *next,
                         void *out_img, void *scratch) {
    const int rows = ea_conv_plan_out_h(p);
    if (!t || !ea_team_splits_conv(p) || !worker_scratch(t, ea_conv_plan_scratch_size(p))) {
        ea_conv_plan_run_linked(p, in, in_img, out, next, out_img, scratch);
        return;
    }
    void *parts[64];
    parts[0] = scratch;
    for (int i = 1; i < t->threads; i++) parts[i] = t->scratch[i - 1];
    conv_job j = {p, next, in, in_img, parts, out, out_img, rows};
    team_run(t, t->threads < rows ? t->threads : rows, conv_part, &j);
}

typedef struct { int isa; const ea_add_params *p; size_t n; const int8_t *a, *b; int8_t *out; } add_job;

static void add_part(void *ctx, int part, int parts) {
    const add_job *j = (const add_job *)ctx;
    const size_t blocks = (j->n + 63) / 64;
    size_t lo = blocks * (size_t)part / (size_t)parts * 64, hi = blocks * (size_t)(part + 1) / (size_t)parts * 64;
    if (hi > j->n) hi = j->n;
    if (lo < hi) ea_qs8_add(j->isa, j->p, hi - lo, j->a + lo, j->b + lo, j->out + lo);
}

void ea_team_add(ea_team *t, int isa, const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out) {
    if (!t || n < EA_TEAM_MIN_ADD) { ea_qs8_add(isa, p, n, a, b, out); return; }
    add_job j = {isa, p, n, a, b, out};
    team_run(t, t->threads, add_part, &j);
}
