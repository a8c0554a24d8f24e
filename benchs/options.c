// SPDX-License-Identifier: GPL-2.0
/* options.c: command line.  Common options plus one argp child per mechanism.
 * Every error is one lower-case line and EXIT_USAGE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"

struct bench_env env;

/* argp parsers cannot return a message, so the first error lands here. */
static char *parse_err;
static size_t parse_errlen;

/* Options given on the command line: --compat only fills in the others. */
static int given_keys[64];
static int n_given;

static bool given(int key)
{
	int i;

	for (i = 0; i < n_given; i++)
		if (given_keys[i] == key)
			return true;
	return false;
}

/* Called by every parser; argp's own keys (ARGP_KEY_*) are not options. */
static void note_given(int key)
{
	if (key > 0 && key < ARGP_KEY_END && !given(key) &&
	    n_given < (int)ARRAY_SIZE(given_keys))
		given_keys[n_given++] = key;
}

static int fail(const char *fmt, const char *opt, const char *arg)
{
	if (parse_err && !parse_err[0])
		snprintf(parse_err, parse_errlen, fmt, opt ? opt : "",
			 arg ? arg : "");
	return EINVAL;
}

int parse_u64(const char *s, u64 min, u64 max, u64 *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= 0) || v > 86400)
		return -1;
	*out = v;
	return 0;
}

static int opt_u64(const char *name, const char *arg, u64 min, u64 max,
		   u64 *out)
{
	if (parse_u64(arg, min, max, out))
		return fail("invalid value for --%s: '%s'", name, arg);
	return 0;
}

static int opt_u32(const char *name, const char *arg, u64 min, u64 max,
		   u32 *out)
{
	u64 v;

	if (opt_u64(name, arg, min, max, &v))
		return EINVAL;
	*out = (u32)v;
	return 0;
}

static int opt_int(const char *name, const char *arg, u64 min, u64 max,
		   int *out)
{
	u64 v;

	if (opt_u64(name, arg, min, max, &v))
		return EINVAL;
	*out = (int)v;
	return 0;
}

/* ---- ring buffer ---- */
enum { OPT_RB_SIZE = 1000, OPT_RB_NOTIFY, OPT_RB_SAMPLE };

static const struct argp_option ringbuf_opts[] = {
	{ "rb-size", OPT_RB_SIZE, "BYTES", 0,
	  "ring buffer size, power of 2 pages (default 1 MiB)" },
	{ "rb-notify", OPT_RB_NOTIFY, "POLICY", 0,
	  "default|none|force|sampled|avail|bytes" },
	{ "rb-sample", OPT_RB_SAMPLE, "N", 0,
	  "sampled: force a wakeup every N records; avail: once N are unread; bytes: once N bytes were written on a CPU (default 64)" },
	{},
};

/* The only table of policy names: parsing, params and the policy label all
 * read it, so a new policy cannot be named in one place and not another.
 */
static const char *const notify_names[] = {
	[RINGBUF_NOTIFY_DEFAULT] = "default",
	[RINGBUF_NOTIFY_NONE] = "none",
	[RINGBUF_NOTIFY_FORCE] = "force",
	[RINGBUF_NOTIFY_SAMPLED] = "sampled",
	[RINGBUF_NOTIFY_AVAIL] = "avail",
	[RINGBUF_NOTIFY_BYTES] = "bytes",
};
#define N_NOTIFY ((int)ARRAY_SIZE(notify_names))

const char *notify_name(int mode)
{
	if (mode < 0 || mode >= N_NOTIFY)
		return "?";
	return notify_names[mode];
}

int notify_mode(const char *name)
{
	int i;

	for (i = 0; i < N_NOTIFY; i++)
		if (!strcmp(name, notify_names[i]))
			return i;
	return -1;
}

static const char *const policy_names[] = {
	[POLICY_NATIVE] = "native", [POLICY_EVERY] = "every",
	[POLICY_BATCH] = "batch",   [POLICY_NONE] = "none",
	[POLICY_BUSY] = "busy",
};

void policy_name(const struct bench_env *e, char *buf, size_t len)
{
	if (e->policy.kind == POLICY_BATCH)
		snprintf(buf, len, "batch:%llu",
			 (unsigned long long)e->policy.batch_bytes);
	else
		snprintf(buf, len, "%s", policy_names[e->policy.kind]);
}

void policy_label(const struct bench_env *e, const char *mech, char *buf,
		  size_t len)
{
	int n = e->ringbuf.notify;

	if (e->policy.kind != POLICY_NATIVE)
		policy_name(e, buf, len);
	else if (!strcmp(mech, "ringbuf") &&
		 (n == RINGBUF_NOTIFY_SAMPLED || n == RINGBUF_NOTIFY_AVAIL))
		snprintf(buf, len, "%s/%u", notify_name(n), e->ringbuf.sample);
	else if (!strcmp(mech, "ringbuf"))
		snprintf(buf, len, "%s", notify_name(n));
	else if (!strcmp(mech, "perfbuf") && e->perfbuf.watermark)
		snprintf(buf, len, "watermark/%llu",
			 (unsigned long long)e->perfbuf.watermark);
	else if (!strcmp(mech, "perfbuf"))
		snprintf(buf, len, "wakeup/%u", e->perfbuf.wakeup);
	else if (!strcmp(mech, "relay")) /* woken at sub-buffer switches only */
		snprintf(buf, len, "subbuf-switch+poll/%ums", e->poll_ms);
	else
		snprintf(buf, len, "none");
}

static error_t ringbuf_parse(int key, char *arg, struct argp_state *state)
{
	note_given(key);
	switch (key) {
	case OPT_RB_SIZE:
		if (opt_u64("rb-size", arg, 4096, 1ull << 30,
			    &env.ringbuf.size))
			return EINVAL;
		if (env.ringbuf.size & (env.ringbuf.size - 1))
			return fail(
				"invalid value for --%s: '%s' (not a power of 2)",
				"rb-size", arg);
		return 0;
	case OPT_RB_NOTIFY:
		env.ringbuf.notify = notify_mode(arg);
		return env.ringbuf.notify < 0 ?
			       fail("invalid value for --%s: '%s'", "rb-notify",
				    arg) :
			       0;
	case OPT_RB_SAMPLE:
		return opt_u32("rb-sample", arg, 1, 1u << 30,
			       &env.ringbuf.sample);
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

const struct argp bench_ringbuf_argp = { .options = ringbuf_opts,
					 .parser = ringbuf_parse };

/* ---- perf buffer ---- */
enum { OPT_PB_PAGES = 1100, OPT_PB_WAKEUP };

static const struct argp_option perfbuf_opts[] = {
	{ "pb-pages", OPT_PB_PAGES, "N", 0,
	  "data pages per CPU, power of 2 (default 128)" },
	{ "pb-wakeup", OPT_PB_WAKEUP, "N", 0,
	  "wake the consumer every N records (default 1)" },
	{},
};

static error_t perfbuf_parse(int key, char *arg, struct argp_state *state)
{
	note_given(key);
	switch (key) {
	case OPT_PB_PAGES:
		if (opt_u32("pb-pages", arg, 1, 1u << 18, &env.perfbuf.pages))
			return EINVAL;
		if (env.perfbuf.pages & (env.perfbuf.pages - 1))
			return fail(
				"invalid value for --%s: '%s' (not a power of 2)",
				"pb-pages", arg);
		return 0;
	case OPT_PB_WAKEUP:
		return opt_u32("pb-wakeup", arg, 1, 1u << 30,
			       &env.perfbuf.wakeup);
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

const struct argp bench_perfbuf_argp = { .options = perfbuf_opts,
					 .parser = perfbuf_parse };

/* ---- relay ---- */
enum { OPT_RELAY_SUBBUF = 1200, OPT_RELAY_NSUBBUFS, OPT_RELAY_DIR };

static const struct argp_option relay_opts[] = {
	{ "relay-subbuf", OPT_RELAY_SUBBUF, "BYTES", 0,
	  "sub-buffer size, page multiple (default 64 KiB)" },
	{ "relay-nsubbufs", OPT_RELAY_NSUBBUFS, "N", 0,
	  "sub-buffers per CPU, 2..1024 (default 8)" },
	{ "relay-dir", OPT_RELAY_DIR, "NAME", 0,
	  "debugfs directory name (default rb_relay_<pid>)" },
	{},
};

static error_t relay_parse(int key, char *arg, struct argp_state *state)
{
	note_given(key);
	switch (key) {
	case OPT_RELAY_SUBBUF:
		if (opt_u32("relay-subbuf", arg, 4096, 64u << 20,
			    &env.relay.subbuf_size))
			return EINVAL;
		if (env.relay.subbuf_size % 4096)
			return fail(
				"invalid value for --%s: '%s' (not a page multiple)",
				"relay-subbuf", arg);
		return 0;
	case OPT_RELAY_NSUBBUFS:
		return opt_u32("relay-nsubbufs", arg, 2, 1024,
			       &env.relay.n_subbufs);
	case OPT_RELAY_DIR:
		if (!*arg || strlen(arg) >= sizeof(env.relay.dir) ||
		    strchr(arg, '/') || !strcmp(arg, ".") || !strcmp(arg, ".."))
			return fail("invalid value for --%s: '%s'", "relay-dir",
				    arg);
		snprintf(env.relay.dir, sizeof(env.relay.dir), "%s", arg);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

const struct argp bench_relay_argp = { .options = relay_opts,
				       .parser = relay_parse };

/* ---- --policy ----
 * One notification policy, named the same for every mechanism and turned
 * into each mechanism's own knobs here.  The mechanism is the bench name up
 * to its first '-' (relay-mmap: relay).
 */
static int policy_parse(const char *arg)
{
	static const struct {
		const char *suffix;
		u64 mult;
	} units[] = { { "", 1 }, { "KiB", 1024 }, { "MiB", 1024 * 1024 } };
	char num[32];
	size_t i, n;
	u64 v;

	for (i = POLICY_EVERY; i < ARRAY_SIZE(policy_names); i++)
		if (i != POLICY_BATCH && !strcmp(arg, policy_names[i])) {
			env.policy.kind = (int)i;
			return 0;
		}
	if (strncmp(arg, "batch:", 6))
		return fail(
			"invalid value for --%s: '%s' (every, batch:BYTES, none, busy)",
			"policy", arg);
	for (i = ARRAY_SIZE(units); i-- > 0;) {
		n = strlen(arg + 6);
		if (n <= strlen(units[i].suffix) ||
		    strcmp(arg + 6 + n - strlen(units[i].suffix),
			   units[i].suffix))
			continue;
		n -= strlen(units[i].suffix);
		if (n >= sizeof(num))
			break;
		memcpy(num, arg + 6, n);
		num[n] = '\0';
		if (parse_u64(num, 1, (1ull << 32) / units[i].mult, &v))
			break;
		env.policy.kind = POLICY_BATCH;
		env.policy.batch_bytes = v * units[i].mult;
		return 0;
	}
	return fail(
		"invalid value for --%s: '%s' (batch:BYTES, e.g. batch:65536 or batch:64KiB)",
		"policy", arg);
}

static bool is_mechanism(const char *mech)
{
	size_t n = strlen(mech);

	return !strncmp(env.bench_name, mech, n) &&
	       (env.bench_name[n] == '-' || !env.bench_name[n]);
}

/* Sets the knobs that --policy implies for the chosen bench's mechanism. */
static int policy_apply(void)
{
	u64 batch = env.policy.batch_bytes;
	int kind = env.policy.kind;
	char name[48];

	if (kind == POLICY_NATIVE)
		return 0;
	policy_name(&env, name, sizeof(name));
	if (env.compat || given(OPT_RB_NOTIFY) || given(OPT_RB_SAMPLE) ||
	    given(OPT_PB_WAKEUP))
		return fail(
			"--policy replaces --compat, --rb-notify, --rb-sample and --pb-wakeup%s%s",
			NULL, NULL);
	if (is_mechanism("ringbuf")) {
		if (!strcmp(env.bench_name, "ringbuf-busy") &&
		    kind != POLICY_BUSY)
			return fail(
				"ringbuf-busy is the busy policy: '%s%s' needs ringbuf-libbpf or ringbuf-custom",
				name, NULL);
		env.ringbuf.notify =
			kind == POLICY_EVERY ? RINGBUF_NOTIFY_DEFAULT :
			kind == POLICY_BATCH ? RINGBUF_NOTIFY_BYTES :
					       RINGBUF_NOTIFY_NONE;
		if (kind == POLICY_BATCH && batch >= env.ringbuf.size)
			return fail(
				"--policy %s: the batch must be smaller than the ring (--rb-size)%s",
				name, NULL);
		if (kind == POLICY_BATCH)
			env.ringbuf.sample = (u32)batch;
	} else if (is_mechanism("perfbuf")) {
		u64 ring = (u64)env.perfbuf.pages * 4096;

		/* a backward ring is paused and read on a timer, never woken */
		if (env.overwrite && kind != POLICY_NONE && kind != POLICY_BUSY)
			return fail(
				"a backward perf ring (--overwrite) is read on a timer: its policies are none and busy, not '%s%s'",
				name, NULL);

		env.perfbuf.wakeup = kind == POLICY_EVERY ? 1 : 0;
		/* none/busy: a wakeup only if a whole ring is waiting */
		env.perfbuf.watermark = kind == POLICY_BATCH ? batch :
					kind == POLICY_EVERY ? 0 :
							       ring;
		if (kind == POLICY_BATCH && batch >= ring)
			return fail(
				"--policy %s: the batch must be smaller than a CPU's ring (--pb-pages)%s",
				name, NULL);
	} else if (is_mechanism("relay")) {
		if (kind == POLICY_EVERY)
			return fail(
				"relay wakes its reader per sub-buffer, not per record: use --policy batch:<sub-buffer bytes>%s%s",
				NULL, NULL);
		if (!strcmp(env.bench_name, "relay-cat") && kind != POLICY_NONE)
			return fail(
				"relay-cat reads on a timer: its only policy is none, not '%s%s'",
				name, NULL);
		if (kind == POLICY_BATCH) {
			if (batch % 4096 || batch > (64u << 20))
				return fail(
					"--policy %s: relay's batch is its sub-buffer, a page multiple up to 64 MiB%s",
					name, NULL);
			if (given(OPT_RELAY_SUBBUF) &&
			    batch != env.relay.subbuf_size)
				return fail(
					"--policy %s contradicts --relay-subbuf (relay's batch is its sub-buffer)%s",
					name, NULL);
			env.relay.subbuf_size = (u32)batch;
		}
	} else if (kind != POLICY_NONE) {
		return fail(
			"%s has no reader to wake: its only policy is none, not '%s'",
			env.bench_name, name);
	}
	return 0;
}

/* ---- --compat: the settings of the kernel's own bench ----
 * tools/testing/selftests/bpf/benchs/bench_ringbufs.c as driven by
 * run_bench_ringbufs.sh (bench -w3 -d10 -a -c1 [--rb-sampled] [--rb-b2b]):
 * one producer, one consumer, consumer pinned to CPU 0 and producer to
 * CPU 1, 500 records per getpgid() trigger, a 512 KiB ring buffer, 128
 * perf pages per CPU.  Sampled: the ring buffer forces a wakeup once 500
 * records are unread (else none), the perf buffer wakes every 500 records.
 * Back-to-back: the producer thread fires one batch, then the consumer
 * fires the next after each drain.  Its records are 8 bytes; ours cannot be
 * smaller than the header plus the smallest payload (40 bytes).
 *
 * The relay map is not in that bench; the RFC's claims about it are in its
 * modes, so relay-read and relay-mmap take them too, with 512 KiB per CPU
 * as the perf buffer.  Relay wakes its reader once per sub-buffer and never
 * per record, so: parallel keeps the 64 KiB sub-buffer (8 of them);
 * sampled sizes the sub-buffer to hold 500 records, as the others wake
 * every 500; back-to-back, the consumer fired the batch itself and reads
 * what it wrote without waiting for a wakeup (the others are woken at once,
 * their wakeup already pending).
 */
static const char *const compat_modes[] = { "parallel", "sampled", "b2b",
					    "b2b-sampled" };
static const char *const compat_benchs[] = {
	"ringbuf-libbpf", "ringbuf-custom", "perfbuf-libbpf",
	"perfbuf-custom", "relay-read",	    "relay-mmap",
};
#define COMPAT_BATCH 500
#define COMPAT_SAMPLE 500
#define COMPAT_RELAY_BYTES (512u * 1024)

/* --compat sampled: the page-multiple sub-buffer that holds
 * COMPAT_SAMPLE records of env.rec_size bytes with their headers.
 */
static u32 compat_relay_subbuf(void)
{
	u64 slot = (sizeof(struct bpf_relay_rec_hdr) + env.rec_size +
		    BPF_RELAY_ALIGN - 1) &
		   ~(u64)(BPF_RELAY_ALIGN - 1);
	u64 bytes = sizeof(struct bpf_relay_subbuf_hdr) + COMPAT_SAMPLE * slot;

	return (u32)((bytes + 4095) & ~4095ull);
}

static int compat_mode(const char *arg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(compat_modes); i++)
		if (!strcmp(arg, compat_modes[i])) {
			env.compat = compat_modes[i];
			return 0;
		}
	return fail(
		"invalid value for --%s: '%s' (parallel|sampled|b2b|b2b-sampled)",
		"compat", arg);
}

static int compat_apply(void)
{
	bool sampled = strstr(env.compat, "sampled"),
	     b2b = !strncmp(env.compat, "b2b", 3);
	bool known = false;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(compat_benchs); i++)
		known |= !strcmp(env.bench_name, compat_benchs[i]);
	if (!known)
		return fail(
			"--compat applies to ringbuf-libbpf, ringbuf-custom, perfbuf-libbpf, perfbuf-custom, relay-read and relay-mmap, not '%s%s'",
			env.bench_name, NULL);
	if (!given('w'))
		env.warmup_s = 3;
	if (!given('d'))
		env.duration_s = 1; /* the kernel bench samples once a second */
	if (!given('i'))
		env.iterations = 10;
	if (!given('p'))
		env.producers = 1;
	if (!given('c'))
		env.consumers = 1;
	env.affinity = true;
	env.cons_first = true;
	if (!given('s'))
		env.rec_size = RLB_REC_MIN;
	if (!given('b'))
		env.batch = COMPAT_BATCH;
	if (!given(OPT_RB_SIZE))
		env.ringbuf.size = 512 * 1024;
	if (!given(OPT_RB_NOTIFY))
		env.ringbuf.notify = sampled ? RINGBUF_NOTIFY_AVAIL :
					       RINGBUF_NOTIFY_DEFAULT;
	if (!given(OPT_RB_SAMPLE))
		env.ringbuf.sample = COMPAT_SAMPLE;
	if (!given(OPT_PB_PAGES))
		env.perfbuf.pages = 128;
	if (!given(OPT_PB_WAKEUP))
		env.perfbuf.wakeup = sampled ? COMPAT_SAMPLE : 1;
	env.back2back = b2b;
	/* Our consumers cannot parse a headerless record: they only count. */
	if (env.kernel_record && given('s'))
		return fail(
			"--kernel-record writes 8-byte records: -s does not apply%s%s",
			NULL, NULL);
	if (env.kernel_record) {
		env.rec_size = RLB_KERNEL_REC_SIZE;
		env.count_only = true;
	}
	if (is_mechanism("relay") && !given(OPT_RELAY_SUBBUF))
		env.relay.subbuf_size = sampled ? compat_relay_subbuf() :
						  64 * 1024;
	if (is_mechanism("relay") && !given(OPT_RELAY_NSUBBUFS))
		env.relay.n_subbufs =
			COMPAT_RELAY_BYTES / env.relay.subbuf_size;
	if (b2b && env.producers != 1)
		return fail("--compat %s needs exactly one producer%s",
			    env.compat, NULL);
	return 0;
}

/* ---- common ---- */
enum {
	OPT_JSON = 2000,
	OPT_LIST,
	OPT_RATE,
	OPT_RAW_TP,
	OPT_COUNT_ONLY,
	OPT_OVERWRITE,
	OPT_SCENARIO,
	OPT_POLL_MS,
	OPT_EXTERNAL,
	OPT_PRODUCER_WORK,
	OPT_COMPAT,
	OPT_LAT_EVERY,
	OPT_KERNEL_RECORD,
	OPT_PRODUCER_WORK_EVERY,
	OPT_POLICY,
};

static const char *const scenario_names[] = {
	[SCEN_STREAM] = "stream",	[SCEN_HIGH_RATE] = "high-rate",
	[SCEN_LATENCY] = "latency",	[SCEN_OVERWRITE] = "overwrite",
	[SCEN_NO_READER] = "no-reader", [SCEN_RFC_MODES] = "rfc-modes",
};

const char *scenario_name(int scenario)
{
	if (scenario < 0 || scenario >= (int)ARRAY_SIZE(scenario_names))
		return "?";
	return scenario_names[scenario];
}

static const struct argp_option common_opts[] = {
	{ "warmup", 'w', "SEC", 0,
	  "warm-up seconds, not measured (default 1)" },
	{ "duration", 'd', "SEC", 0, "seconds per iteration (default 1)" },
	{ "iterations", 'i', "N", 0, "measured iterations (default 3)" },
	{ "producers", 'p', "N", 0, "producer threads (default 1)" },
	{ "consumers", 'c', "N", 0, "consumer threads (default 1)" },
	{ "affinity", 'a', NULL, 0,
	  "pin producers to CPUs 0.., consumers after them" },
	{ "size", 's', "BYTES", 0,
	  "payload bytes after the 24-byte record header, 16..4096 (default 40)" },
	{ "batch", 'b', "N", 0, "records per trigger, 1..1024 (default 1)" },
	{ "rate", OPT_RATE, "N", 0,
	  "triggers/s per producer (default 0: unlimited)" },
	{ "raw-tp", OPT_RAW_TP, NULL, 0,
	  "trigger on raw_tp/sys_enter instead of tp/syscalls" },
	{ "overwrite", OPT_OVERWRITE, NULL, 0,
	  "overwrite mode: relay and ringbuf overwrite flag, perfbuf write_backward" },
	{ "external", OPT_EXTERNAL, NULL, 0,
	  "no producer threads: trace every process's trigger (traced-application overhead)" },
	{ "poll-ms", OPT_POLL_MS, "MS", 0,
	  "consumer poll timeout; bounds latency without wakeups (default 50; relay-cat: period, default 100)" },
	{ "scenario", OPT_SCENARIO, "NAME", 0,
	  "stream (default), high-rate, latency, overwrite (snapshot after T s with no reader), no-reader (loader pins and exits, reader recovers after T s), rfc-modes (tags --compat runs)" },
	{ "count-only", OPT_COUNT_ONLY, NULL, 0,
	  "consumers only count (accounting overhead baseline)" },
	{ "lat-every", OPT_LAT_EVERY, "N", 0,
	  "time the latency of every N-th record per CPU, a power of two 1..4096 (default 1 with --rate, else 64)" },
	{ "producer-work", OPT_PRODUCER_WORK, "N", 0,
	  "extra work steps per record, 0..1048576 (slowdown injection, default 0)" },
	{ "producer-work-every", OPT_PRODUCER_WORK_EVERY, "M", 0,
	  "do the --producer-work steps on 1 record in M, 1..65536 (default 1)" },
	{ "policy", OPT_POLICY, "POLICY", 0,
	  "notification policy, the same for every mechanism: every (a wakeup per record the reader waits for), batch:BYTES (one per BYTES written on a CPU; relay: its sub-buffer size), none (no wakeups, poll every --poll-ms), busy (no wakeups, the reader spins)" },
	{ "json", OPT_JSON, NULL, 0, "one JSON object per result on stdout" },
	{ "list", OPT_LIST, NULL, 0, "list benches and exit" },
	{ "kernel-record", OPT_KERNEL_RECORD, NULL, 0,
	  "with --compat: write the kernel bench's bare 8-byte record instead of ours (implies --count-only)" },
	{ "compat", OPT_COMPAT, "MODE", 0,
	  "the kernel selftests bench's settings: parallel|sampled|b2b|b2b-sampled (ringbuf-*, perfbuf-* but -busy, relay-read, relay-mmap; relay sampled: a 500-record sub-buffer; other options still override)" },
	{},
};

static error_t common_parse(int key, char *arg, struct argp_state *state)
{
	note_given(key);
	switch (key) {
	case 'w':
		return parse_seconds(arg, &env.warmup_s) ?
			       fail("invalid value for --%s: '%s'", "warmup",
				    arg) :
			       0;
	case 'd':
		if (parse_seconds(arg, &env.duration_s) ||
		    env.duration_s < 0.01)
			return fail("invalid value for --%s: '%s'", "duration",
				    arg);
		return 0;
	case 'i':
		return opt_int("iterations", arg, 1, 1000, &env.iterations);
	case 'p':
		return opt_int("producers", arg, 1, RLB_MAX_THREADS,
			       &env.producers);
	case 'c':
		return opt_int("consumers", arg, 1, RLB_MAX_THREADS,
			       &env.consumers);
	case 'a':
		env.affinity = true;
		return 0;
	case 's': {
		u64 v;

		if (parse_u64(arg, 0, UINT32_MAX, &v))
			return fail("invalid value for --%s: '%s'", "size",
				    arg);
		if (v < RLB_PAYLOAD_MIN || v > RLB_PAYLOAD_MAX)
			return fail(
				"payload size out of range: '%s%s' (16..4096 bytes)",
				arg, NULL);
		env.rec_size = RLB_HDR_SIZE + (u32)v;
		return 0;
	}
	case 'b':
		return opt_u32("batch", arg, 1, RLB_BATCH_MAX, &env.batch);
	case OPT_RATE:
		return opt_u64("rate", arg, 0, 1000000000ull, &env.rate);
	case OPT_RAW_TP:
		env.raw_tp = true;
		return 0;
	case OPT_OVERWRITE:
		env.overwrite = true;
		return 0;
	case OPT_EXTERNAL:
		env.external = true;
		return 0;
	case OPT_POLL_MS:
		return opt_u32("poll-ms", arg, 1, 60000, &env.poll_ms);
	case OPT_SCENARIO: {
		int i;

		for (i = 0; i < (int)ARRAY_SIZE(scenario_names); i++)
			if (!strcmp(arg, scenario_names[i])) {
				env.scenario = i;
				return 0;
			}
		return fail("invalid value for --%s: '%s'", "scenario", arg);
	}
	case OPT_COUNT_ONLY:
		env.count_only = true;
		return 0;
	case OPT_PRODUCER_WORK:
		return opt_u32("producer-work", arg, 0, 1u << 20,
			       &env.producer_work);
	case OPT_PRODUCER_WORK_EVERY:
		return opt_u32("producer-work-every", arg, 1, 1u << 16,
			       &env.producer_work_every);
	case OPT_KERNEL_RECORD:
		env.kernel_record = true;
		return 0;
	case OPT_LAT_EVERY:
		if (opt_u32("lat-every", arg, 1, 4096, &env.lat_every))
			return EINVAL;
		if (env.lat_every & (env.lat_every - 1))
			return fail(
				"invalid value for --%s: '%s' (not a power of 2)",
				"lat-every", arg);
		return 0;
	case OPT_JSON:
		env.json = true;
		return 0;
	case OPT_LIST:
		env.list = true;
		return 0;
	case OPT_COMPAT:
		return compat_mode(arg);
	case OPT_POLICY:
		return policy_parse(arg);
	case ARGP_KEY_ARG:
		if (env.bench_name)
			return fail("unexpected argument '%s%s'", arg, NULL);
		env.bench_name = arg;
		return 0;
	case ARGP_KEY_END:
		if (!env.bench_name && !env.list)
			return fail("no bench given (try --list)%s%s", NULL,
				    NULL);
		/* cat forks per period: 100 ms unless asked otherwise */
		if (!env.poll_ms)
			env.poll_ms = env.bench_name && !strcmp(env.bench_name,
								"relay-cat") ?
					      100 :
					      50;
		/* Below saturation there is time to time every record. */
		if (!env.lat_every)
			env.lat_every = env.rate ? 1 : 64;
		if (env.kernel_record && !env.compat)
			return fail("--kernel-record needs --compat%s%s", NULL,
				    NULL);
		if (env.compat && env.bench_name && compat_apply())
			return EINVAL;
		return env.bench_name ? policy_apply() : 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp_child children[] = {
	{ &bench_ringbuf_argp, 0, "ring buffer (ringbuf-*):", 0 },
	{ &bench_perfbuf_argp, 0, "perf buffer (perfbuf-*):", 0 },
	{ &bench_relay_argp, 0, "relay map (relay-*):", 0 },
	{},
};

static const struct argp bench_argp = {
	.options = common_opts,
	.parser = common_parse,
	.args_doc = "BENCH",
	.doc = "relaybench: BPF ring buffer vs perf buffer vs relay map",
	.children = children,
};

void bench_env_defaults(struct bench_env *e)
{
	memset(e, 0, sizeof(*e));
	e->warmup_s = 1;
	e->duration_s = 1;
	e->iterations = 3;
	e->producers = 1;
	e->consumers = 1;
	e->rec_size = 64;
	e->batch = 1;
	e->producer_work_every = 1;
	e->ringbuf.size = 1 << 20;
	e->ringbuf.sample = 64;
	e->perfbuf.pages = 128;
	e->perfbuf.wakeup = 1;
	e->relay.subbuf_size = 64 * 1024;
	e->relay.n_subbufs = 8;
}

int bench_parse_args(int argc, char **argv, char *err, size_t errlen)
{
	int ret;

	bench_env_defaults(&env);
	n_given = 0;
	err[0] = '\0';
	/* ARGP_NO_ERRS also silences argp's own --help: handle it here. */
	for (ret = 1; ret < argc; ret++) {
		if (!strcmp(argv[ret], "--help") || !strcmp(argv[ret], "-?")) {
			argp_help(&bench_argp, stdout, ARGP_HELP_STD_HELP,
				  "bench");
			exit(0);
		}
		if (!strcmp(argv[ret], "--usage")) {
			argp_help(&bench_argp, stdout, ARGP_HELP_USAGE,
				  "bench");
			exit(0);
		}
	}
	parse_err = err;
	parse_errlen = errlen;
	/* ARGP_NO_ERRS: argp would print usage and exit 64; we print one line. */
	ret = argp_parse(&bench_argp, argc, argv, ARGP_NO_ERRS, NULL, NULL);
	parse_err = NULL;
	if (!ret)
		return 0;
	if (!err[0])
		snprintf(err, errlen,
			 "unknown or malformed option (see --help)");
	return EXIT_USAGE;
}
