// A team of persistent worker threads that split one image's layers: each convolution's
// output rows and each residual add's elements are cut into as many contiguous parts as
// the team has threads, the caller running part 0. Parts write disjoint outputs with the
// same integer arithmetic as the one-thread kernels, so results are identical at any
// team size. Kept out of CEdgeKernels, which the libc-free device runner compiles whole.
#ifndef EDGE_TEAM_H
#define EDGE_TEAM_H
#include "edge_kernels.h"
#include <stddef.h>
#include <stdint.h>

typedef struct ea_team ea_team;

// A team of `threads` (the caller counts as one: threads − 1 workers are started; 2…64).
// Returns NULL when threads < 2 or a thread cannot be started.
ea_team *ea_team_create(int threads);
// Stops and joins the workers. The team must be idle.
void ea_team_destroy(ea_team *t);
// Threads in the team, the caller included.
int ea_team_size(const ea_team *t);
// Jobs the team has split so far (for tests: that the split path ran at all).
long ea_team_jobs(const ea_team *t);

// ea_conv_plan_run, with the output rows split over the team when the plan can run row
// ranges and the layer is large enough for the split to pay (else on the caller alone;
// also when t is NULL). Each thread builds only the part of the padded image its rows
// read, in its own scratch (the caller's is `scratch`), so the rows a thread wrote in one
// layer are mostly read by the same thread in the next.
// One call at a time per team.
void ea_team_conv(ea_team *t, const ea_conv_plan *p, const int8_t *in, int8_t *out, void *scratch);
// The same for a plan that reads the image its producer wrote (in_img, else NULL: the
// tensor `in`) and/or writes into the image of the plan it feeds (next, out_img; else
// NULL: the tensor `out`); ea_conv_plan_run_rows_linked. With in_img no thread builds an image.
void ea_team_conv_linked(ea_team *t, const ea_conv_plan *p, const int8_t *in, const void *in_img, int8_t *out, const ea_conv_plan *next,
                         void *out_img, void *scratch);
// Whether ea_team_conv splits plan `p` (given a team): its rows can be run in ranges and
// the layer is large enough (EA_TEAM_MIN_WORK below).
int ea_team_splits_conv(const ea_conv_plan *p);
// ea_qs8_add over `n` elements, split into 64-element-aligned ranges when n is large enough.
void ea_team_add(ea_team *t, int isa, const ea_add_params *p, size_t n, const int8_t *a, const int8_t *b, int8_t *out);

// Splits pay only above these sizes: a fork and join costs 0.15–0.2 µs on the 2-core
// machine of BENCHMARKS.md, and the other core's output rows then travel to the next
// layer's cache. A convolution's size is its multiply-accumulates plus 24 per output
// value (the requantisation costs about as much as 24 MACs: a thin first layer is mostly
// requantisation); an add's is its element count. Measured there: ResNet-8's 3×3 layers
// and stem gain, MobileNet-style layers under 1 µs do not.
#ifndef EA_TEAM_MIN_WORK
#define EA_TEAM_MIN_WORK 300000
#endif
#ifndef EA_TEAM_MIN_ADD
#define EA_TEAM_MIN_ADD 4096
#endif

#endif
