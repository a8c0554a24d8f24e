// SPDX-License-Identifier: GPL-2.0
/* bench_percpu.c: the floor.  The producer builds the record in a per-CPU
 * array slot and copies it into one of RLB_FLOOR_SLOTS per-CPU slots (the
 * floor's buffer, rlb_floor); there is no live consumer, so "consumed" is
 * every record written and latency is not measured.  After a run the last
 * record of every CPU must sit whole in its slot, or it counts as corrupt.
 * In the snapshot scenarios the build slot is what survives: one record per
 * CPU, always the newest -- a flight recorder of depth one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "rlb_percpu.skel.h"

static struct {
	struct rlb_percpu *skel;
	struct bpf_link *link;
	int slot_fd; /* rlb_scratch: the per-CPU slots */
	int floor_fd; /* rlb_floor: where each record is copied */
	bool pinned; /* slot_fd came from a pin: ours to close */
} ctx = { .slot_fd = -1, .floor_fd = -1 };

/* The payload put in each CPU's build slot: the copies must carry it. */
static __u8 pattern(int cpu, u32 off)
{
	return (__u8)(off * 131 + cpu * 7 + 1);
}

/* Fill the payload of every CPU's build slot; the producer writes only the
 * header, so the payload of every record it copies is this pattern.
 */
static int fill_payloads(int fd)
{
	int n = libbpf_num_possible_cpus(), cpu, err;
	u32 zero = 0, off;
	__u8 *vals;

	vals = calloc(n > 0 ? n : 1, RLB_REC_MAX);
	if (!vals)
		return -ENOMEM;
	for (cpu = 0; cpu < n; cpu++)
		for (off = RLB_HDR_SIZE; off < RLB_REC_MAX; off++)
			vals[(size_t)cpu * RLB_REC_MAX + off] =
				pattern(cpu, off);
	err = bpf_map_update_elem(fd, &zero, vals, BPF_ANY);
	free(vals);
	return err;
}

static bool record_whole(const __u8 *slot, int cpu, u64 seq)
{
	const struct rlb_record *rec = (const void *)slot;
	u32 off;

	if (env.kernel_record)
		return rec->seq == seq;
	if (rec->seq != seq || rec->len != env.rec_size ||
	    rec->cpu != (u32)cpu || !rec->ts_ns)
		return false;
	for (off = RLB_HDR_SIZE; off < env.rec_size; off++)
		if (slot[off] != pattern(cpu, off))
			return false;
	return true;
}

/* The CPUs whose last record is not whole in its floor slot. */
static u64 floor_check(void)
{
	int n = libbpf_num_possible_cpus(), cpu, checked = 0;
	size_t stride = (env.rec_size + 7) & ~(size_t)7;
	u64 seq[RLB_MAX_CPUS] = { 0 }, bad = 0;
	struct rlb_counters sum;
	__u8 *vals;
	u32 slot;

	if (n <= 0 || rlb_read_counters(rlb_counters_fd, &sum, seq))
		return 1;
	vals = calloc(n, stride);
	if (!vals)
		return 1;
	for (cpu = 0; cpu < n && cpu < RLB_MAX_CPUS; cpu++) {
		if (!seq[cpu])
			continue;
		slot = seq[cpu] % RLB_FLOOR_SLOTS;
		checked++;
		if (bpf_map_lookup_elem(ctx.floor_fd, &slot, vals) ||
		    !record_whole(vals + (size_t)cpu * stride, cpu, seq[cpu]))
			bad++;
	}
	free(vals);
	fprintf(stderr,
		"floor: the last record is whole on %llu of %d CPUs (%u bytes)\n",
		(unsigned long long)(checked - bad), checked, env.rec_size);
	return bad;
}

static int percpu_setup(void)
{
	ctx.skel = rlb_percpu__open();
	if (!ctx.skel) {
		fprintf(stderr, "cannot open percpu skeleton: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	RLB_SET_KNOBS(ctx.skel);
	rlb_select_trigger(ctx.skel->progs.rlb_tp, ctx.skel->progs.rlb_raw_tp);
	if (bpf_map__set_value_size(ctx.skel->maps.rlb_floor,
				    (env.rec_size + 7) & ~7u) ||
	    rlb_percpu__load(ctx.skel)) {
		fprintf(stderr, "cannot load percpu producer: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	rlb_counters_fd = bpf_map__fd(ctx.skel->maps.rlb_counters);
	ctx.slot_fd = bpf_map__fd(ctx.skel->maps.rlb_scratch);
	ctx.floor_fd = bpf_map__fd(ctx.skel->maps.rlb_floor);
	if (fill_payloads(ctx.slot_fd)) {
		fprintf(stderr, "cannot fill the percpu build slots: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	return rlb_attach(ctx.skel->progs.rlb_tp, ctx.skel->progs.rlb_raw_tp,
			  &ctx.link);
}

static void percpu_measure(struct bench_sample *s)
{
	struct rlb_counters sum;

	if (scenario_is_snapshot(env.scenario)) {
		rlb_measure_common(s);
		return;
	}
	rlb_read_counters(rlb_counters_fd, &sum, NULL);
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
		rlb_account_common(rlb_counters_fd, a);
		a->overwrite = true; /* each record replaces the last */
		return;
	}
	percpu_measure(&s);
	memset(a, 0, sizeof(*a));
	a->produced = s.produced;
	a->dropped = s.dropped;
	a->consumed = s.consumed;
	a->corrupt = floor_check();
}

/* The build slot and the floor's slots, on every CPU. */
static u64 percpu_bytes(void)
{
	u64 stride = (env.rec_size + 7) & ~7ull;

	return (u64)libbpf_num_possible_cpus() *
	       (RLB_REC_MAX + RLB_FLOOR_SLOTS * stride);
}

static u64 percpu_capacity(int ncpus)
{
	return ncpus;
}

/* Snapshot reader: the record left in each CPU's slot. */
static void *percpu_reader(void *arg)
{
	int n = libbpf_num_possible_cpus(), cpu;
	struct rlb_consumer *c = arg;
	u32 zero = 0;
	char *slots;

	if (c->idx != 0 || n <= 0 || ctx.slot_fd < 0)
		return NULL;
	slots = calloc(n, RLB_REC_MAX);
	if (slots && !bpf_map_lookup_elem(ctx.slot_fd, &zero, slots))
		for (cpu = 0; cpu < n; cpu++) {
			const struct rlb_record *rec =
				(const void *)(slots + cpu * RLB_REC_MAX);

			if (rec->seq) /* slots of CPUs that never produced are zero */
				consume_record(c, rec, rec->len);
		}
	free(slots);
	return NULL;
}

static int percpu_pin(const char *dir)
{
	return rlb_pin_common(dir, ctx.link, ctx.skel->maps.rlb_counters,
			      ctx.skel->maps.rlb_scratch);
}

static int percpu_recover(const char *dir)
{
	ctx.slot_fd = rlb_open_pinned_buf(dir);
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
	ctx.floor_fd = -1;
	ctx.pinned = false;
	rlb_percpu__destroy(ctx.skel);
	ctx.skel = NULL;
}

const struct bench bench_percpu = {
	.name = "percpu",
	.mechanism = "percpu",
	.reader = "none",
	.desc = "floor: record built and copied into per-CPU slots, no sync, no consumer",
	.setup = percpu_setup,
	.producer_thread = rlb_producer_thread,
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
