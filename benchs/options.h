/* SPDX-License-Identifier: GPL-2.0 */
/*
 * options.h: the command line.  Options common to every bench are parsed
 * here; each mechanism's own options by its plugin (plugin.h), and only for
 * its own variants.
 */
#ifndef RLB_OPTIONS_H
#define RLB_OPTIONS_H

#include "rlb.h"

struct argp;
struct json;
struct rlb_mech;
struct rlb_variant;

/* What a run does; the same scenario runs every mechanism the same way. */
enum rlb_scenario {
	SCEN_STREAM, /* producers and live consumers (the default) */
	SCEN_HIGH_RATE, /* as stream; the name tags high-rate sweep points */
	SCEN_LATENCY, /* as stream; the name tags rate-limited latency points */
	SCEN_OVERWRITE, /* producers only, then one snapshot read of the buffer */
	SCEN_NO_READER, /* a loader pins and exits; nobody reads; then recover */
	SCEN_RFC_MODES, /* as stream; tags --compat points (the RFC's modes) */
	/* as overwrite; tags the producers' cost with nothing interleaved
	 * (one CPU, no reader, no wakeups: scripts/vm.sh --icount)
	 */
	SCEN_PRODUCER_ONLY,
};

/* Notification policy (--policy), one vocabulary for every mechanism. */
enum rlb_policy {
	POLICY_NATIVE, /* not given: each mechanism's own knobs decide */
	POLICY_EVERY, /* wake the reader for every record it waits for */
	POLICY_BATCH, /* wake it once per policy.batch_bytes written on a CPU */
	POLICY_NONE, /* no wakeups: the reader polls every --poll-ms */
	POLICY_BUSY, /* no wakeups: the reader spins without sleeping */
};

/* The kernel bench's sampled mode wakes once per this many records, and
 * fires this many per trigger (--compat).
 */
#define RLB_COMPAT_SAMPLE 500

struct bench_env {
	const char *bench_name;
	const struct rlb_mech *mech; /* the bench's, once parsed */
	const struct rlb_variant *variant;
	double warmup_s;
	double duration_s;
	int producers;
	int consumers;
	int iterations;
	bool affinity;
	bool json;
	bool list;
	bool raw_tp;
	bool count_only; /* consumers only count records: no seq, no latency */
	bool kernel_record; /* 8-byte records as the kernel bench (--compat) */
	u32 lat_every; /* latency of records with seq % lat_every == 0 */
	bool overwrite; /* the mechanism's overwrite mode */
	int scenario; /* enum rlb_scenario */
	u64 rate; /* triggers/s per producer, 0 = as fast as possible */
	u32 poll_ms; /* consumers' poll timeout (relay-cat: period) */
	bool external; /* trace every process; no producer threads */
	u32 rec_size; /* total bytes: header + payload (-s) */
	u32 batch;
	u32 producer_work; /* extra bpf_loop() steps per record (slowdown knob) */
	u32 producer_work_every; /* ... on 1 record in this many */
	const char *compat; /* --compat mode, NULL if not given */
	bool back2back; /* consumers trigger the next batch (--compat b2b) */
	bool cons_first; /* with -a: consumers on CPUs 0.., producers after */
	struct {
		int kind; /* enum rlb_policy */
		u64 batch_bytes; /* POLICY_BATCH */
	} policy;
};

extern struct bench_env env;

/* Parse argv into env and the bench's mechanism; 0 on success, EXIT_USAGE
 * with a one-line message in err on bad input.  Does not exit (but for
 * --help), so unit tests can call it.  --compat fills in every knob the
 * command line did not set.
 */
int bench_parse_args(int argc, char **argv, char *err, size_t errlen);
int parse_u64(const char *s, u64 min, u64 max, u64 *out);
int parse_seconds(const char *s, double *out);
const char *scenario_name(int scenario);
/* The policy as given ("batch:65536"), or "native" without --policy. */
void policy_name(char *buf, size_t len);
/* The notification policy of the run in one string, for grouping results;
 * without --policy the mechanism's own (plugin.h: label).
 */
void policy_label(char *buf, size_t len);
/* params: every option of the run, every mechanism's knobs included, so
 * that results of different benches have the same keys.
 */
void params_json(struct json *j);
/* --list: one line per variant, or with env.json what scripts derive their
 * lists from.  Parses argument lists of its own: env is left changed.
 */
void list_variants(void);

/* How long a consumer may sleep in poll(): 0 under --policy busy. */
static inline int rlb_poll_timeout(const struct bench_env *e)
{
	return e->policy.kind == POLICY_BUSY ? 0 : (int)e->poll_ms;
}

/* Scenarios where no consumer runs while producers write. */
static inline bool scenario_is_snapshot(int scenario)
{
	return scenario == SCEN_OVERWRITE || scenario == SCEN_NO_READER ||
	       scenario == SCEN_PRODUCER_ONLY;
}

#endif /* RLB_OPTIONS_H */
