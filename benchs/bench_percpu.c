// SPDX-License-Identifier: GPL-2.0
/* bench_percpu.c: the floor.  The producer builds the record in a per-CPU
 * array slot and copies it into one of RLB_FLOOR_SLOTS per-CPU slots (the
 * floor's buffer, rlb_floor); there is no live consumer, so "consumed" is
 * every record written and latency is not measured.  After a run the last
 * record of every CPU must sit whole in its slot, or it counts as corrupt.
 * In the snapshot scenarios the build slot is what survives: one record per
 * CPU, always the newest -- a flight recorder of depth one.
 */
#include <stddef.h>
#include "plugin.h"
#ifndef RLB_OPTIONS_ONLY
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pin.h"
#include "loader.h"
#include "run.h"

static struct {
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

	if (n <= 0 || rlb_read_counters(&sum, seq))
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

/* The floor's slots hold a record rounded up to 8 bytes. */
static int percpu_prepare(void)
{
	struct bpf_map *floor = rlb_producer_map("rlb_floor");

	if (!floor ||
	    bpf_map__set_value_size(floor, (env.rec_size + 7) & ~7u)) {
		fprintf(stderr, "cannot size the floor: %s\n", strerror(errno));
		return EXIT_ENV;
	}
	return 0;
}

static int percpu_setup(void)
{
	int err = rlb_producer_load(percpu_prepare);

	if (err)
		return err;
	ctx.slot_fd = bpf_map__fd(rlb_producer_map("rlb_scratch"));
	ctx.floor_fd = bpf_map__fd(rlb_producer_map("rlb_floor"));
	if (fill_payloads(ctx.slot_fd)) {
		fprintf(stderr, "cannot fill the percpu build slots: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	return rlb_producer_attach();
}

static void percpu_measure(struct rlb_sample *s)
{
	struct rlb_counters sum;

	if (scenario_is_snapshot(env.scenario)) {
		rlb_measure_common(s);
		return;
	}
	rlb_read_counters(&sum, NULL);
	memset(s, 0, sizeof(*s));
	s->produced = sum.produced;
	s->dropped = sum.dropped;
	s->consumed = sum.produced - sum.dropped;
	s->bytes = s->consumed * env.rec_size;
}

static void percpu_account(struct loss_accounting *a)
{
	struct rlb_sample s;

	if (scenario_is_snapshot(env.scenario)) {
		rlb_account_common(a);
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

static int percpu_recover(const char *dir)
{
	ctx.slot_fd = rlb_open_pinned_buf(dir);
	ctx.pinned = ctx.slot_fd >= 0;
	return ctx.pinned ? 0 : EXIT_ENV;
}

static void percpu_teardown(void)
{
	if (ctx.pinned)
		close(ctx.slot_fd);
	ctx.slot_fd = -1;
	ctx.floor_fd = -1;
	ctx.pinned = false;
}

static const struct rlb_run percpu_run = {
	.measure = percpu_measure,
	.account = percpu_account,
	.buffer_bytes = percpu_bytes,
	.capacity = percpu_capacity,
	.buf_map = "rlb_scratch",
	.recover = percpu_recover,
	.teardown = percpu_teardown,
};
#endif /* RLB_OPTIONS_ONLY */

static const struct rlb_variant percpu_variants[] = {
	{
		.name = "percpu",
		.reader = "none",
		.desc = "floor: record built and copied into per-CPU slots, no sync, no consumer",
		/* snapshot scenarios only: the record left in each slot */
		.consumer = RLB_RUN(percpu_reader),
		.setup = RLB_RUN(percpu_setup),
	},
	{},
};

/* No options, no reader to wake: its only policy is none. */
const struct rlb_mech rlb_mech_percpu = {
	.name = "percpu",
	.title = "percpu floor",
	.variants = percpu_variants,
	.run = RLB_RUN(&percpu_run),
};
