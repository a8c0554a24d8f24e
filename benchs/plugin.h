/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plugin.h: what a mechanism is to the harness.  A mechanism lives in one
 * file, benchs/bench_<name>.c, with its producer in progs/rlb_<name>.bpf.c,
 * and is known to the harness by one line in mechs.h.  The file defines
 * its variants (the benches of --list), its options and what they mean,
 * and how its variants run.
 *
 * The run-time part needs libbpf and is left out of the unit tests' build
 * (RLB_OPTIONS_ONLY), which checks the options of every mechanism: a
 * plugin keeps it in one #ifndef RLB_OPTIONS_ONLY block and names its
 * functions in the tables below through RLB_RUN().
 */
#ifndef RLB_PLUGIN_H
#define RLB_PLUGIN_H

#include "consumer.h"
#include "options.h"
#include "rlb.h"

#ifdef RLB_OPTIONS_ONLY
#define RLB_RUN(...) NULL
#else
#define RLB_RUN(x) (x)
#endif

/* One bench of --list: a mechanism read one way. */
struct rlb_variant {
	const char *name; /* mechanism-reader, as given on the command line */
	const char *reader; /* libbpf, mmap, cat, ... */
	const char *desc;
	bool overwrite; /* takes --overwrite */
	bool compat; /* takes --compat: the kernel bench has it, or the RFC */
	bool live_consumer; /* reads while producers run (the floor does not) */
	u32 poll_ms; /* the default --poll-ms; 0 for 50 */
	/* The BPF object it loads, progs/rlb_<producer>.bpf.c; NULL for the
	 * mechanism's name.  Variants of one mechanism may differ only in
	 * how they produce (a build-time producer variant).
	 */
	const char *producer;
	/* Run time.  setup: load and attach the producer (loader.h), open
	 * the buffer for reading: 0, or EXIT_ENV with a message on stderr.
	 */
	int (*setup)(void);
	/* A consumer thread, arg is its struct rlb_consumer.  It reads until
	 * rlb_stop_consumers, then drains once; started with the flag already
	 * set (snapshot scenarios), it does exactly one drain pass.
	 */
	void *(*consumer)(void *arg);
};

/* How the variants of a mechanism run (RLB_RUN: left out of unit tests). */
struct rlb_run {
	/* What the bench reports now; NULL: rlb_measure_common() (run.h). */
	void (*measure)(struct rlb_sample *s);
	/* After producers stopped and consumers drained: final accounting. */
	void (*account)(struct loss_accounting *a);
	u64 (*buffer_bytes)(void);
	/* Records of env.rec_size that fit in the buffers of ncpus CPUs (the
	 * ones that produced; a shared buffer ignores ncpus).
	 */
	u64 (*capacity)(int ncpus);
	/* no-reader: the map the loader pins as "buf" next to the link and
	 * the counters, and how a reader opens it again; NULL: the mechanism
	 * cannot run that scenario.
	 */
	const char *buf_map;
	int (*recover)(const char *dir);
	/* Free what setup or recover made; the producer is detached before
	 * and closed after (loader.h).
	 */
	void (*teardown)(void);
	/* Whether this kernel has the mechanism; NULL: every kernel has. */
	bool (*probe)(void);
};

/*
 * A mechanism.  Its options (argp) are parsed only when the bench is one
 * of its variants; every hook but the run-time ones may be NULL.
 */
struct rlb_mech {
	const char *name; /* ringbuf, perfbuf, relay, ... */
	const char *title; /* for --help: "ring buffer" */
	bool patched_kernel; /* needs the project's kernel */
	const struct rlb_variant *variants; /* up to one with a NULL name */
	const struct argp *argp;
	/* Its knobs before the command line. */
	void (*defaults)(void);
	/* --compat: the kernel bench's settings for the knobs not given
	 * (rlb_given).  Called for every mechanism, own is true for the
	 * bench's: the kernel bench's sizes are in every result's params.
	 */
	int (*compat)(bool sampled, bool own);
	/* --policy (env.policy): set its knobs, or refuse with rlb_fail().
	 * NULL: a mechanism without a reader to wake, whose only policy is
	 * none.
	 */
	int (*policy)(const struct rlb_variant *v);
	/* After every option: refuse what the variant cannot do. */
	int (*check)(const struct rlb_variant *v);
	/* The policy label of a run without --policy; NULL: "none". */
	void (*label)(char *buf, size_t len);
	/* Its knobs in params, always, under names of its own. */
	void (*params)(struct json *j);
	const struct rlb_run *run;
};

/* Every mechanism of mechs.h, in its order; NULL past the last. */
const struct rlb_mech *rlb_mech_at(size_t i);

/* For the hooks above: the first error of a parse, one lower-case line
 * (printf format); returns EINVAL, which argp parsers return too.
 */
int rlb_fail(const char *fmt, ...);
/* Whether option key of argp (NULL: a common option) was on the command
 * line: --compat only fills in the others.
 */
bool rlb_given(const struct argp *argp, int key);
/* Number options: a value of min..max, or rlb_fail() naming --name. */
int opt_u64(const char *name, const char *arg, u64 min, u64 max, u64 *out);
int opt_u32(const char *name, const char *arg, u64 min, u64 max, u32 *out);
/* v, the value of arg, is a power of two, or rlb_fail() naming --name. */
int opt_pow2(const char *name, const char *arg, u64 v);
/* The index of name in a table of n names (NULL entries skipped), or -1. */
int rlb_name_index(const char *const *names, size_t n, const char *name);

#endif /* RLB_PLUGIN_H */
