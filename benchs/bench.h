/* SPDX-License-Identifier: GPL-2.0 */
/* bench.h: the relaybench harness -- options, bench table, shared helpers. */
#ifndef RLB_BENCH_H
#define RLB_BENCH_H

#include <argp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <linux/bpf.h>
#include "consumer.h"
#include "counters.h"
#include "hist.h"
#include "json.h"
#include "perf_parse.h"
#include "relay_parse.h"
#include "rlb.h"
#include "stats.h"

/* ---- options (options.c) ---- */
/* What a run does; the same scenario runs every mechanism the same way. */
enum rlb_scenario {
	SCEN_STREAM, /* producers and live consumers (the default) */
	SCEN_HIGH_RATE, /* as stream; the name tags high-rate sweep points */
	SCEN_LATENCY, /* as stream; the name tags rate-limited latency points */
	SCEN_OVERWRITE, /* producers only, then one snapshot read of the buffer */
	SCEN_NO_READER, /* a loader pins and exits; nobody reads; then recover */
	SCEN_RFC_MODES, /* as stream; tags --compat points (the RFC's modes) */
};

/* Notification policy (--policy), one vocabulary for every mechanism. */
enum rlb_policy {
	POLICY_NATIVE, /* not given: each mechanism's own knobs decide */
	POLICY_EVERY, /* wake the reader for every record it waits for */
	POLICY_BATCH, /* wake it once per policy.batch_bytes written on a CPU */
	POLICY_NONE, /* no wakeups: the reader polls every --poll-ms */
	POLICY_BUSY, /* no wakeups: the reader spins without sleeping */
};

struct bench_env {
	const char *bench_name;
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
	bool overwrite; /* relay, ringbuf: overwrite flag; perfbuf: backward */
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
	struct {
		u64 size;
		int notify; /* enum ringbuf_notify */
		u32 sample;
	} ringbuf;
	struct {
		u32 pages; /* data pages per CPU, power of two */
		u32 wakeup; /* wakeup_events */
		u64 watermark; /* wakeup_watermark in bytes; 0: use wakeup */
	} perfbuf;
	struct {
		u32 subbuf_size;
		u32 n_subbufs;
		char dir[64];
	} relay;
};

extern struct bench_env env;
extern const struct argp bench_ringbuf_argp;
extern const struct argp bench_perfbuf_argp;
extern const struct argp bench_relay_argp;

/* Parse argv into env; 0 on success, EXIT_USAGE with a one-line message in
 * err on bad input.  Does not exit, so unit tests can call it.  --compat
 * fills in every knob the command line did not set.
 */
int bench_parse_args(int argc, char **argv, char *err, size_t errlen);
void bench_env_defaults(struct bench_env *e);
int parse_u64(const char *s, u64 min, u64 max, u64 *out);
int parse_seconds(const char *s, double *out);
const char *scenario_name(int scenario);
/* Ring buffer notification policies (enum ringbuf_notify) by name: "?" for an
 * unknown mode, -1 for an unknown name.
 */
const char *notify_name(int mode);
int notify_mode(const char *name);
/* The notification policy of a run of mech in one string, for grouping
 * results; a policy that counts records carries its count ("avail/64").
 */
void policy_label(const struct bench_env *e, const char *mech, char *buf,
		  size_t len);
/* The policy as given ("batch:65536"), or "native" without --policy. */
void policy_name(const struct bench_env *e, char *buf, size_t len);
/* How long a consumer may sleep in poll(): 0 under --policy busy. */
static inline int rlb_poll_timeout(const struct bench_env *e)
{
	return e->policy.kind == POLICY_BUSY ? 0 : (int)e->poll_ms;
}

/* Scenarios where no consumer runs while producers write. */
static inline bool scenario_is_snapshot(int scenario)
{
	return scenario == SCEN_OVERWRITE || scenario == SCEN_NO_READER;
}

/* ---- metadata (meta.c) ---- */
struct bench_meta {
	char kernel[128];
	char config_sha256[72];
	char cpu_model[128];
	int nproc;
	bool hypervisor;
	bool relay_map;
	const char *where; /* "vm" or "native" */
	char accelerator[16]; /* scripts/vm.sh's guest: "kvm" or "tcg"; "none" */
	const char *git_rev;
	double started_unix_s; /* wall clock at the start, to pair A/B rounds */
};

void meta_collect(struct bench_meta *m);
bool rlb_relay_probe(void); /* bench_relay.c */
void meta_json(struct json *j, const struct bench_meta *m);
void params_json(struct json *j, const struct bench_env *e);

/* ---- the bench table (bench.c) ---- */
/* What a bench reports at a point in time; the harness takes differences. */
struct bench_sample {
	u64 produced;
	u64 dropped;
	u64 consumed;
	u64 bytes;
	u64 wakeups;
};

struct bench {
	const char *name;
	const char *mechanism; /* relay, ringbuf, perfbuf, percpu */
	const char *reader; /* how the consumer reads: libbpf, mmap, cat... */
	const char *desc;
	bool overwrite; /* takes --overwrite */
	bool patched_kernel; /* needs the project's kernel (the relay map) */
	const struct argp *argp; /* mechanism options, NULL if none */
	int (*validate)(void); /* EXIT_USAGE with message on bad combo */
	int (*setup)(void); /* 0, or EXIT_ENV with a message */
	void *(*producer_thread)(void *arg);
	void *(*consumer_thread)(void *arg); /* arg: struct rlb_consumer * */
	void (*measure)(struct bench_sample *s);
	/* After producers stop and consumers drained: final accounting. */
	void (*account)(struct loss_accounting *a);
	u64 (*buffer_bytes)(void);
	/* Records of env.rec_size that fit in the buffers of ncpus CPUs (the
	 * ones that produced; a shared ring ignores ncpus).
	 */
	u64 (*capacity)(int ncpus);
	/* no-reader: in the loader, after setup, pin link, counters and buffer
	 * under dir; in the reader, open the pinned buffer to drain it.
	 */
	int (*pin)(const char *dir);
	int (*recover)(const char *dir);
	void (*teardown)(void);
	bool has_consumer; /* a live consumer; false for the percpu floor */
};

extern const struct bench bench_ringbuf_libbpf, bench_ringbuf_busy,
	bench_ringbuf_custom, bench_perfbuf_libbpf, bench_perfbuf_custom,
	bench_relay_mmap, bench_relay_read, bench_relay_cat, bench_percpu;

/* ---- harness services used by the bench_*.c files (bench.c) ---- */
extern int rlb_stop_producers; /* producers exit */
extern int rlb_stop_consumers; /* consumers drain and exit */
extern volatile sig_atomic_t rlb_interrupted;
extern struct rlb_consumer rlb_consumers[RLB_MAX_THREADS];
extern int rlb_ncpus;
extern int rlb_counters_fd; /* the producer's rlb_counters map */
extern pid_t rlb_main_pid; /* the process whose getpgid() calls count */

void *rlb_producer_thread(void *arg); /* shared getpgid() loop */
/* --compat b2b: a consumer fires the next batch itself once it has drained
 * the last one (until producers are told to stop).
 */
void rlb_b2b_trigger(void);
void rlb_consumers_total(struct bench_sample *s);
/* Attach the selected trigger program, enable run-time stats bookkeeping. */
struct bpf_program;
struct bpf_link;
struct bpf_object;
int rlb_attach(struct bpf_program *tp, struct bpf_program *raw_tp,
	       struct bpf_link **link);
void rlb_select_trigger(struct bpf_program *tp, struct bpf_program *raw_tp);
/* Sum the percpu rlb_counters map; per-CPU seq into seq (may be NULL). */
int rlb_read_counters(int map_fd, struct rlb_counters *sum, u64 *seq);
/* Copy the per-CPU rlb_counters of up to n CPUs; returns how many, or -1. */
int rlb_read_percpu(int map_fd, struct rlb_counters *vals, int n);
void rlb_account_common(int counters_fd, struct loss_accounting *a);
void rlb_measure_common(struct bench_sample *s);
struct bpf_map;
/* Pin link, rlb_counters and the buffer map under dir (no-reader loader). */
int rlb_pin_common(const char *dir, struct bpf_link *link,
		   struct bpf_map *counters, struct bpf_map *buf);
/* Open dir/buf; -1 with a message if it is missing. */
int rlb_open_pinned_buf(const char *dir);

/* Every producer skeleton has the same rodata knobs (progs/producer.h). */
#define RLB_SET_KNOBS(skel)                                                    \
	do {                                                                   \
		(skel)->rodata->target_tgid = env.external ? 0 : rlb_main_pid; \
		(skel)->rodata->rec_size = env.rec_size;                       \
		(skel)->rodata->batch = env.batch;                             \
		(skel)->rodata->notify_mode = env.ringbuf.notify;              \
		(skel)->rodata->notify_every = env.ringbuf.sample;             \
		(skel)->rodata->producer_work = env.producer_work;             \
		(skel)->rodata->producer_work_every = env.producer_work_every; \
		(skel)->rodata->kernel_record = env.kernel_record;             \
	} while (0)

#endif /* RLB_BENCH_H */
