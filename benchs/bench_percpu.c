// SPDX-License-Identifier: GPL-2.0
/* bench_percpu.c: the floor.  The producer builds the record in a per-CPU
 * array slot and does nothing else; there is no consumer, so "consumed" is
 * every record written (it sits in the slot) and latency is not measured. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "rb_percpu.skel.h"

static struct {
	struct rb_percpu *skel;
	struct bpf_link *link;
} ctx;

static int percpu_validate(void)
{
	if (env.overwrite) {
		fprintf(stderr, "overwrite mode makes no sense for percpu\n");
		return EXIT_USAGE;
	}
	return 0;
}

static int percpu_setup(void)
{
	ctx.skel = rb_percpu__open();
	if (!ctx.skel) {
		fprintf(stderr, "cannot open percpu skeleton: %s\n", strerror(errno));
		return EXIT_ENV;
	}
	RB_SET_KNOBS(ctx.skel);
	rb_select_trigger(ctx.skel->progs.rb_tp, ctx.skel->progs.rb_raw_tp);
	if (rb_percpu__load(ctx.skel)) {
		fprintf(stderr, "cannot load percpu producer: %s\n", strerror(errno));
		return EXIT_ENV;
	}
	return rb_attach(ctx.skel->progs.rb_tp, ctx.skel->progs.rb_raw_tp, &ctx.link);
}

static void percpu_measure(struct bench_sample *s)
{
	struct rb_counters sum;

	rb_read_counters(bpf_map__fd(ctx.skel->maps.rb_counters), &sum, NULL);
	memset(s, 0, sizeof(*s));
	s->produced = sum.produced;
	s->dropped = sum.dropped;
	s->consumed = sum.produced - sum.dropped;
	s->bytes = s->consumed * env.rec_size;
}

static void percpu_account(struct loss_accounting *a)
{
	struct bench_sample s;

	percpu_measure(&s);
	memset(a, 0, sizeof(*a));
	a->produced = s.produced;
	a->dropped = s.dropped;
	a->consumed = s.consumed;
}

static u64 percpu_bytes(void)
{
	return (u64)libbpf_num_possible_cpus() * RB_REC_MAX;
}

static void percpu_teardown(void)
{
	bpf_link__destroy(ctx.link);
	ctx.link = NULL;
	rb_percpu__destroy(ctx.skel);
	ctx.skel = NULL;
}

const struct bench bench_percpu = {
	.name = "percpu",
	.desc = "floor: record built in a per-CPU array slot, no sync, no consumer",
	.validate = percpu_validate,
	.setup = percpu_setup,
	.producer_thread = rb_producer_thread,
	.measure = percpu_measure,
	.account = percpu_account,
	.buffer_bytes = percpu_bytes,
	.teardown = percpu_teardown,
	.has_consumer = false,
};
