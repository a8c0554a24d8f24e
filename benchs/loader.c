// SPDX-License-Identifier: GPL-2.0
/* loader.c: the one producer loader (loader.h) and its counters. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "options.h"
#include "plugin.h"
#include "loader.h"

struct rlb_producer rlb_producer = { .counters_fd = -1, .prog_fd = -1 };
pid_t rlb_main_pid;

static const char *producer_name(void)
{
	return env.variant->producer ? env.variant->producer : env.mech->name;
}

static const struct rlb_producer_obj *find_obj(const char *name)
{
	const struct rlb_producer_obj *o;

	for (o = rlb_producer_objs; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* The program that fires on the trigger; the other one is not loaded. */
static struct bpf_program *trigger(bool selected)
{
	const char *name = env.raw_tp == selected ? "rlb_raw_tp" : "rlb_tp";

	return bpf_object__find_program_by_name(rlb_producer.obj, name);
}

int rlb_producer_knob(const char *name, u64 value)
{
	struct bpf_map *map =
		bpf_object__find_map_by_name(rlb_producer.obj, ".rodata");
	const struct btf *btf = bpf_object__btf(rlb_producer.obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	char *data = NULL;
	size_t size = 0;
	int id = -1, i;

	if (btf && map) {
		id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
		data = bpf_map__initial_value(map, &size);
	}
	sec = id > 0 && data ? btf__type_by_id(btf, id) : NULL;
	for (i = 0, vs = sec ? btf_var_secinfos(sec) : NULL;
	     sec && i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);
		u32 v32 = (u32)value;

		if (strcmp(btf__name_by_offset(btf, var->name_off), name) ||
		    vs->offset + vs->size > size)
			continue;
		if (vs->size == sizeof(v32))
			memcpy(data + vs->offset, &v32, sizeof(v32));
		else if (vs->size == sizeof(value))
			memcpy(data + vs->offset, &value, sizeof(value));
		else
			break;
		return 0;
	}
	fprintf(stderr, "producer %s has no knob %s\n", producer_name(), name);
	return EXIT_ENV;
}

struct bpf_map *rlb_producer_map(const char *name)
{
	struct bpf_map *map =
		bpf_object__find_map_by_name(rlb_producer.obj, name);

	if (!map)
		fprintf(stderr, "producer %s has no map %s\n", producer_name(),
			name);
	return map;
}

/* The knobs of progs/producer.h, the same in every producer. */
static int common_knobs(void)
{
	const struct {
		const char *name;
		u64 value;
	} knobs[] = {
		{ "target_tgid", env.external ? 0 : (u64)rlb_main_pid },
		{ "rec_size", env.rec_size },
		{ "batch", env.batch },
		{ "producer_work", env.producer_work },
		{ "producer_work_every", env.producer_work_every },
		{ "kernel_record", env.kernel_record },
	};
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(knobs) && !err; i++)
		err = rlb_producer_knob(knobs[i].name, knobs[i].value);
	return err;
}

int rlb_producer_load(int (*prepare)(void))
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	const struct rlb_producer_obj *o = find_obj(producer_name());
	struct bpf_map *counters;
	const void *bytes;
	size_t size = 0;
	int err;

	if (!o) {
		fprintf(stderr, "no producer %s in this build\n",
			producer_name());
		return EXIT_ENV;
	}
	bytes = o->elf_bytes(&size);
	opts.object_name = o->name;
	rlb_producer.obj = bpf_object__open_mem(bytes, size, &opts);
	if (!rlb_producer.obj) {
		fprintf(stderr, "cannot open %s producer: %s\n", o->name,
			strerror(errno));
		return EXIT_ENV;
	}
	if (!trigger(true) || !trigger(false)) {
		fprintf(stderr, "producer %s has no trigger programs\n",
			o->name);
		return EXIT_ENV;
	}
	bpf_program__set_autoload(trigger(false), false);
	err = common_knobs();
	if (!err && prepare)
		err = prepare();
	if (err)
		return err;
	if (bpf_object__load(rlb_producer.obj)) {
		fprintf(stderr, "cannot load %s producer: %s\n", o->name,
			strerror(errno));
		return EXIT_ENV;
	}
	counters = rlb_producer_map("rlb_counters");
	if (!counters)
		return EXIT_ENV;
	rlb_producer.counters_fd = bpf_map__fd(counters);
	return 0;
}

int rlb_producer_attach(void)
{
	struct bpf_program *prog = trigger(true);

	rlb_producer.link = bpf_program__attach(prog);
	if (!rlb_producer.link) {
		fprintf(stderr, "cannot attach %s: %s\n",
			bpf_program__section_name(prog), strerror(errno));
		return EXIT_ENV;
	}
	rlb_producer.prog_fd = bpf_program__fd(prog);
	return 0;
}

void rlb_producer_detach(void)
{
	bpf_link__destroy(rlb_producer.link);
	rlb_producer.link = NULL;
}

/* The object's fds go with it; pinned ones (pin.c) are closed here too. */
void rlb_producer_close(void)
{
	rlb_producer_detach();
	if (!rlb_producer.obj) {
		if (rlb_producer.counters_fd >= 0)
			close(rlb_producer.counters_fd);
		if (rlb_producer.prog_fd >= 0)
			close(rlb_producer.prog_fd);
	}
	bpf_object__close(rlb_producer.obj);
	rlb_producer.obj = NULL;
	rlb_producer.counters_fd = -1;
	rlb_producer.prog_fd = -1;
}

void rlb_producer_stats(u64 *run_ns, u64 *run_cnt)
{
	struct bpf_prog_info info = {};
	u32 len = sizeof(info);

	*run_ns = *run_cnt = 0;
	if (rlb_producer.prog_fd >= 0 &&
	    !bpf_prog_get_info_by_fd(rlb_producer.prog_fd, &info, &len)) {
		*run_ns = info.run_time_ns;
		*run_cnt = info.run_cnt;
	}
}

/* Every possible CPU's counters: possible is libbpf_num_possible_cpus(). */
static int lookup_all(struct rlb_counters *all, int possible)
{
	u32 zero = 0;

	if (possible <= 0 ||
	    bpf_map_lookup_elem(rlb_producer.counters_fd, &zero, all))
		return -1;
	return 0;
}

int rlb_read_percpu(struct rlb_counters *vals, int n)
{
	int possible = libbpf_num_possible_cpus();
	struct rlb_counters all[possible > 0 ? possible : 1];

	if (lookup_all(all, possible))
		return -1;
	if (n > possible)
		n = possible;
	memcpy(vals, all, n * sizeof(*vals));
	return n;
}

int rlb_read_counters(struct rlb_counters *sum, u64 *seq)
{
	int possible = libbpf_num_possible_cpus(), cpu;
	struct rlb_counters all[possible > 0 ? possible : 1];

	memset(sum, 0, sizeof(*sum));
	if (lookup_all(all, possible))
		return -1;
	for (cpu = 0; cpu < possible; cpu++) {
		sum->produced += all[cpu].produced;
		sum->dropped += all[cpu].dropped;
		sum->triggers += all[cpu].triggers;
		if (seq && cpu < RLB_MAX_CPUS)
			seq[cpu] = all[cpu].seq;
	}
	return 0;
}
