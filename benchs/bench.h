/* SPDX-License-Identifier: GPL-2.0 */
/* bench.h: the relaybench harness -- options, bench table, shared helpers. */
#ifndef RB_BENCH_H
#define RB_BENCH_H

#include <argp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <linux/bpf.h>
#include "relaybench.h"

typedef uint64_t u64;
typedef uint32_t u32;

#define EXIT_USAGE 2 /* bad input */
#define EXIT_ENV 1 /* environment cannot run the bench */
#define RB_MAX_CPUS 256
#define RB_MAX_THREADS 64
#define RB_ERRLEN 256

/* ---- options (options.c) ---- */
/* What a run does; the same scenario runs every mechanism the same way. */
enum rb_scenario {
	SCEN_STREAM, /* producers and live consumers (the default) */
	SCEN_HIGH_RATE, /* as stream; the name tags high-rate sweep points */
	SCEN_LATENCY, /* as stream; the name tags rate-limited latency points */
	SCEN_OVERWRITE, /* producers only, then one snapshot read of the buffer */
	SCEN_NO_READER, /* a loader pins and exits; nobody reads; then recover */
	SCEN_RFC_MODES, /* as stream; tags --compat points (the RFC's modes) */
};

/* Notification policy (--policy), one vocabulary for every mechanism. */
enum rb_policy {
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
	int scenario; /* enum rb_scenario */
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
		int kind; /* enum rb_policy */
		u64 batch_bytes; /* POLICY_BATCH */
	} policy;
	struct {
		u64 size;
		int notify; /* enum rb_notify */
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
/* Ring buffer notification policies (enum rb_notify) by name: "?" for an
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
static inline int rb_poll_timeout(const struct bench_env *e)
{
	return e->policy.kind == POLICY_BUSY ? 0 : (int)e->poll_ms;
}

/* Scenarios where no consumer runs while producers write. */
static inline bool scenario_is_snapshot(int scenario)
{
	return scenario == SCEN_OVERWRITE || scenario == SCEN_NO_READER;
}

/* ---- log-linear latency histogram (hist.c) ---- */
#define HIST_SUB_BITS 5
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_NBUCKETS (59 * HIST_SUB + HIST_SUB) /* covers all of u64 */

struct hist {
	u64 buckets[HIST_NBUCKETS];
	u64 count;
	u64 min;
	u64 max;
};

void hist_reset(struct hist *h);
u32 hist_bucket(u64 v);
u64 hist_bucket_low(u32 idx);
u64 hist_bucket_high(u32 idx);
void hist_add(struct hist *h, u64 v);
void hist_merge(struct hist *dst, const struct hist *src);
u64 hist_percentile(const struct hist *h, double pct);

/* ---- summary statistics (stats.c) ---- */
struct summary {
	double median;
	double stddev; /* sample standard deviation, 0 for n < 2 */
	double min;
	double max;
	double mean;
	int n;
};

int summarize(const double *vals, int n, struct summary *out);

/* ---- per-consumer record accounting (consumer.c) ---- */
struct seqtrack {
	u64 first[RB_MAX_CPUS]; /* first seq seen per producing CPU */
	u64 last[RB_MAX_CPUS]; /* last seq seen per producing CPU */
	u64 gaps; /* records missing between seen seqs (and before the first) */
	u64 breaks; /* discontinuities after a CPU's first record */
	u64 reordered; /* seq <= last: duplicate or out of order */
	u64 corrupt; /* records whose header does not make sense */
};

struct rb_consumer {
	int idx;
	pid_t tid;
	struct seqtrack seq;
	struct hist lat;
	u64 consumed; /* records; written by the consumer only */
	u64 bytes;
	u64 wakeups; /* returns from a blocking wait with data */
	u64 torn; /* relay: sub-buffer overwritten while read */
	u64 parse_errors; /* relay, perf: framing errors */
	u64 ts_min, ts_max; /* snapshot: oldest and newest record stamps */
};

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/*
 * Flags one thread (or the signal handler) sets and others poll: relaxed
 * atomics, user space's READ_ONCE/WRITE_ONCE.  volatile would not make the
 * access atomic nor tell the compiler another thread writes it.
 */
#define flag_get(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define flag_set(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Switched by the harness: latency is only sampled while measuring. */
extern int rb_measuring;
extern bool rb_count_only;
extern u64 rb_lat_mask;
extern bool rb_snapshot; /* consumers also keep ts_min/ts_max */

void seqtrack_reset(struct seqtrack *t);
void seqtrack_add(struct seqtrack *t, u32 cpu, u64 seq);
void seqtrack_merge(struct seqtrack *dst, const struct seqtrack *src);
u64 seqtrack_tail_lost(const struct seqtrack *t, const u64 *bpf_seq, int ncpus);
void consumer_reset(struct rb_consumer *c, int idx);
/* Account one record as a real consumer would: check its header and seq,
 * sample latency.  Returns false if the record is corrupt.
 */
bool consume_record(struct rb_consumer *c, const void *data, u64 size);

struct loss_accounting {
	u64 produced;
	u64 consumed;
	u64 dropped;
	u64 lost; /* seq gaps + records written but never seen */
	u64 in_buffer;
	u64 corrupt;
	bool overwrite; /* lost records are legal only in overwrite mode */
};

/* What a snapshot read (overwrite, no-reader) recovered; seqs are per CPU,
 * oldest/newest over all CPUs, ages relative to when producers stopped.
 */
struct snapshot_summary {
	u64 recovered;
	u64 capacity; /* records that fit in the buffers written to */
	double retention; /* recovered / capacity */
	bool newest_present; /* every CPU's newest record was recovered */
	u64 newest_dropped; /* newest records refused by a full buffer */
	u64 oldest_seq;
	u64 newest_seq;
	u64 last_seq; /* the newest seq the producers wrote */
	u64 oldest_age_ns;
	u64 newest_age_ns;
	u64 torn; /* torn or corrupt records seen */
	u64 duplicates; /* records seen twice or out of order */
	u64 seq_breaks; /* discontinuities inside a CPU's recovered run */
};

void snapshot_summarize(const struct seqtrack *seen, u64 ts_min, u64 ts_max,
			u64 t_stop, const u64 *bpf_seq, int ncpus, u64 capacity,
			u64 recovered, u64 torn, struct snapshot_summary *out);

/* 0 if produced == consumed + dropped + lost + in_buffer (and no loss or
 * corruption outside overwrite mode); -1 with the reason in why otherwise.
 */
int loss_check(const struct loss_accounting *a, char *why, size_t len);

/* ---- relay framing (relay_parse.c); structs per kernel/README.md ---- */

enum relay_status {
	RELAY_OK = 0,
	RELAY_EMPTY = 1, /* seq == 0: never written */
	RELAY_TORN = -1, /* overwritten while we read it */
	RELAY_BAD_HEADER = -2,
	RELAY_BAD_RECORD = -3,
	RELAY_TRUNCATED = -4,
};

typedef bool (*relay_rec_fn)(void *ctx, const void *payload, u32 len);

struct relay_subbuf_view {
	u64 seq;
	u32 committed;
	u32 cpu;
	u64 dropped;
	u32 end; /* committed offset (after the header) we stopped at */
	u64 records; /* records handed to fn in this call */
};

/* Seqlock-style read of one mmap'ed sub-buffer: records in
 * [from, committed) are handed to fn, then seq is re-checked.
 */
int relay_read_subbuf(const void *subbuf, size_t subbuf_size, u32 from,
		      struct relay_subbuf_view *view, relay_rec_fn fn,
		      void *ctx);

/* Incremental parser of the read() byte stream of one CPU file. */
struct relay_stream {
	unsigned char carry[RB_REC_MAX + 64];
	size_t carry_len;
	u64 subbufs;
	u64 records;
	u64 pad_bytes;
	u64 subbuf_gaps; /* sub-buffers skipped (overwritten) */
	u64 last_subbuf_seq;
	u64 dropped; /* latest kernel dropped count seen in a header */
	bool broken; /* a framing error happened: stop trusting it */
};

void relay_stream_init(struct relay_stream *s);
int relay_stream_feed(struct relay_stream *s, const void *data, size_t len,
		      relay_rec_fn fn, void *ctx);
const char *relay_status_str(int st);

/* ---- perf ring framing (perf_parse.c) ---- */
struct perf_event_header;
/* The record at pos in a perf ring of size bytes, copied whole into buf
 * if it wraps around the end.  NULL if its size cannot be a record's:
 * smaller than its header or larger than buf or the ring; a caller
 * counts that as a framing error.
 */
const struct perf_event_header *
perf_record_at(const void *data, u64 size, u64 pos, void *buf, size_t buflen);

/* ---- JSON writer (json.c) ---- */
struct json {
	char *buf;
	size_t len;
	size_t cap;
	bool need_comma;
};

void json_init(struct json *j);
void json_free(struct json *j);
void json_begin(struct json *j, const char *key); /* key NULL at top */
void json_end(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, u64 val);
void json_dbl(struct json *j, const char *key, double val);
void json_dbl_digits(struct json *j, const char *key, double val, int digits);
void json_bool(struct json *j, const char *key, bool val);

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
	/* "wall", or "icount": every guest ns is one guest instruction */
	char time_base[16];
	const char *git_rev;
	double started_unix_s; /* wall clock at the start, to pair A/B rounds */
};

void meta_collect(struct bench_meta *m);
bool rb_relay_probe(void); /* bench_relay.c */
void meta_json(struct json *j, const struct bench_meta *m);
void params_json(struct json *j, const struct bench_env *e);

/* ---- consumer CPU counters via libperf (counters.c) ---- */
struct cons_counters;
struct cons_counters *counters_open(const pid_t *tids, int n);
int counters_read(struct cons_counters *c, u64 *task_clock_ns,
		  u64 *ctx_switches);
void counters_close(struct cons_counters *c);
int sys_cpu_read(u64 *busy, u64 *total);

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
	void *(*consumer_thread)(void *arg); /* arg: struct rb_consumer * */
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
extern int rb_stop_producers; /* producers exit */
extern int rb_stop_consumers; /* consumers drain and exit */
extern volatile sig_atomic_t rb_interrupted;
extern struct rb_consumer rb_consumers[RB_MAX_THREADS];
extern int rb_ncpus;
extern int rb_counters_fd; /* the producer's rb_counters map */
extern pid_t rb_main_pid; /* the process whose getpgid() calls count */

void *rb_producer_thread(void *arg); /* shared getpgid() loop */
/* --compat b2b: a consumer fires the next batch itself once it has drained
 * the last one (until producers are told to stop).
 */
void rb_b2b_trigger(void);
void rb_consumers_total(struct bench_sample *s);
/* Attach the selected trigger program, enable run-time stats bookkeeping. */
struct bpf_program;
struct bpf_link;
struct bpf_object;
int rb_attach(struct bpf_program *tp, struct bpf_program *raw_tp,
	      struct bpf_link **link);
void rb_select_trigger(struct bpf_program *tp, struct bpf_program *raw_tp);
/* Sum the percpu rb_counters map; per-CPU seq into seq (may be NULL). */
int rb_read_counters(int map_fd, struct rb_counters *sum, u64 *seq);
/* Copy the per-CPU rb_counters of up to n CPUs; returns how many, or -1. */
int rb_read_percpu(int map_fd, struct rb_counters *vals, int n);
void rb_account_common(int counters_fd, struct loss_accounting *a);
void rb_measure_common(struct bench_sample *s);
struct bpf_map;
/* Pin link, rb_counters and the buffer map under dir (no-reader loader). */
int rb_pin_common(const char *dir, struct bpf_link *link,
		  struct bpf_map *counters, struct bpf_map *buf);
/* Open dir/buf; -1 with a message if it is missing. */
int rb_open_pinned_buf(const char *dir);

/* The clock of bpf_ktime_get_ns(), which stamps records: latency is the
 * difference of the two.
 */
static inline u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline void rb_store(u64 *p, u64 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline u64 rb_load(const u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Every producer skeleton has the same rodata knobs (progs/producer.h). */
#define RB_SET_KNOBS(skel)                                                     \
	do {                                                                   \
		(skel)->rodata->target_tgid = env.external ? 0 : rb_main_pid;  \
		(skel)->rodata->rec_size = env.rec_size;                       \
		(skel)->rodata->batch = env.batch;                             \
		(skel)->rodata->notify_mode = env.ringbuf.notify;              \
		(skel)->rodata->notify_every = env.ringbuf.sample;             \
		(skel)->rodata->producer_work = env.producer_work;             \
		(skel)->rodata->producer_work_every = env.producer_work_every; \
		(skel)->rodata->kernel_record = env.kernel_record;             \
	} while (0)

#endif /* RB_BENCH_H */
