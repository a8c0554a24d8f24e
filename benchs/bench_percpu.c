// SPDX-License-Identifier: GPL-2.0
/* bench_percpu.c: the floor.  The producer builds the record in a per-CPU
 * array slot and does nothing else; there is no live consumer, so "consumed"
 * is every record written (it sits in the slot) and latency is not measured.
 * In the snapshot scenarios the slot is what survives: one record per CPU,
 * always the newest -- a flight recorder of depth one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "rb_percpu.skel.h"

static struct {
	struct rb_percpu *skel;
	struct bpf_link *link;
	int slot_fd; /* rb_scratch: the per-CPU slots */
	bool pinned; /* slot_fd came from a pin: ours to close */
} ctx = { .slot_fd = -1 };

static int percpu_setup(void)
{
	ctx.skel = rb_percpu__open();
	if (!ctx.skel) {
		fprintf(stderr, "cannot open percpu skeleton: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	RB_SET_KNOBS(ctx.skel);
	rb_select_trigger(ctx.skel->progs.rb_tp, ctx.skel->progs.rb_raw_tp);
	if (rb_percpu__load(ctx.skel)) {
		fprintf(stderr, "cannot load percpu producer: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	rb_counters_fd = bpf_map__fd(ctx.skel->maps.rb_counters);
	ctx.slot_fd = bpf_map__fd(ctx.skel->maps.rb_scratch);
	return rb_attach(ctx.skel->progs.rb_tp, ctx.skel->progs.rb_raw_tp,
			 &ctx.link);
}

static void percpu_measure(struct bench_sample *s)
{
	struct rb_counters sum;

	if (scenario_is_snapshot(env.scenario)) {
		rb_measure_common(s);
		return;
	}
	rb_read_counters(rb_counters_fd, &sum, NULL);
	memset(s, 0, sizeof(*s));
	s->produced = sum.produced;
	s->dropped = sum.dropped;
	s->consumed = sum.produced - sum.dropped;
	s->bytes = s->consumed * env.rec_size;
}

static void percpu_account(struct loss_accounting *a)
{
	struct bench_sample s;

	if (scenario_is_snapshot(env.scenario)) {
		rb_account_common(rb_counters_fd, a);
		a->overwrite = true; /* each record replaces the last */
		return;
	}
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

static u64 percpu_capacity(int ncpus)
{
	return ncpus;
}

/* Snapshot reader: the record left in each CPU's slot. */
static void *percpu_reader(void *arg)
{
	int n = libbpf_num_possible_cpus(), cpu;
	struct rb_consumer *c = arg;
	u32 zero = 0;
	char *slots;

	if (c->idx != 0 || n <= 0 || ctx.slot_fd < 0)
		return NULL;
	slots = calloc(n, RB_REC_MAX);
	if (slots && !bpf_map_lookup_elem(ctx.slot_fd, &zero, slots))
		for (cpu = 0; cpu < n; cpu++) {
			const struct rb_record *rec =
				(const void *)(slots + cpu * RB_REC_MAX);

			if (rec->seq) /* slots of CPUs that never produced are zero */
				consume_record(c, rec, rec->len);
		}
	free(slots);
	return NULL;
}

static int percpu_pin(const char *dir)
{
	return rb_pin_common(dir, ctx.link, ctx.skel->maps.rb_counters,
			     ctx.skel->maps.rb_scratch);
}

static int percpu_recover(const char *dir)
{
	ctx.slot_fd = rb_open_pinned_buf(dir);
	ctx.pinned = ctx.slot_fd >= 0;
	return ctx.pinned ? 0 : EXIT_ENV;
}

static void percpu_teardown(void)
{
	bpf_link__destroy(ctx.link);
	ctx.link = NULL;
	if (ctx.pinned)
		close(ctx.slot_fd);
	ctx.slot_fd = -1;
	ctx.pinned = false;
	rb_percpu__destroy(ctx.skel);
	ctx.skel = NULL;
}

const struct bench bench_percpu = {
	.name = "percpu",
	.mechanism = "percpu",
	.desc = "floor: record built in a per-CPU array slot, no sync, no consumer",
	.setup = percpu_setup,
	.producer_thread = rb_producer_thread,
	.consumer_thread = percpu_reader, /* snapshot scenarios only */
	.measure = percpu_measure,
	.account = percpu_account,
	.buffer_bytes = percpu_bytes,
	.capacity = percpu_capacity,
	.pin = percpu_pin,
	.recover = percpu_recover,
	.teardown = percpu_teardown,
	.has_consumer = false,
};
