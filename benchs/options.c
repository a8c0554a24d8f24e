// SPDX-License-Identifier: GPL-2.0
/*
 * options.c: the command line.  The options common to every bench, then,
 * found through the mechanism table (mechs.h), the options of the bench's
 * own mechanism: parsed in two passes, as the kernel's selftests bench
 * does, the first to find the bench, the second with its mechanism's argp
 * child only.  Every error is one lower-case line and EXIT_USAGE.
 */
#include <argp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "json.h"
#include "options.h"
#include "plugin.h"

#define RLB_MECH(m) extern const struct rlb_mech rlb_mech_##m
#include "mechs.h"
#undef RLB_MECH

/* The mechanisms of mechs.h, in its order. */
static const struct rlb_mech *mechs[16];
static size_t nr_mechs;

static void add_mech(const struct rlb_mech *m)
{
	if (nr_mechs == ARRAY_SIZE(mechs)) {
		fprintf(stderr, "too many mechanisms in mechs.h\n");
		abort();
	}
	mechs[nr_mechs++] = m;
}

static void register_mechs(void)
{
	if (nr_mechs)
		return;
#define RLB_MECH(m) add_mech(&rlb_mech_##m)
#include "mechs.h"
#undef RLB_MECH
}

struct bench_env env;

/* argp parsers cannot return a message, so the first error lands here. */
static char *parse_err;
static size_t parse_errlen;

/* Options given on the command line, with the argp they belong to (NULL:
 * a common option): --compat only fills in the others.
 */
static struct {
	const struct argp *argp;
	int key;
} given_opts[64];
static int n_given;

const struct rlb_mech *rlb_mech_at(size_t i)
{
	register_mechs();
	return i < nr_mechs ? mechs[i] : NULL;
}

bool rlb_given(const struct argp *argp, int key)
{
	int i;

	for (i = 0; i < n_given; i++)
		if (given_opts[i].argp == argp && given_opts[i].key == key)
			return true;
	return false;
}

/* Called by every parser; argp's own keys (ARGP_KEY_*) are not options. */
static void note_given(const struct argp *argp, int key)
{
	if (key <= 0 || key >= ARGP_KEY_END || rlb_given(argp, key) ||
	    n_given >= (int)ARRAY_SIZE(given_opts))
		return;
	given_opts[n_given].argp = argp;
	given_opts[n_given++].key = key;
}

int rlb_fail(const char *fmt, ...)
{
	va_list ap;

	if (parse_err && !parse_err[0]) {
		va_start(ap, fmt);
		vsnprintf(parse_err, parse_errlen, fmt, ap);
		va_end(ap);
	}
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

int opt_u64(const char *name, const char *arg, u64 min, u64 max, u64 *out)
{
	if (parse_u64(arg, min, max, out))
		return rlb_fail("invalid value for --%s: '%s'", name, arg);
	return 0;
}

int opt_u32(const char *name, const char *arg, u64 min, u64 max, u32 *out)
{
	u64 v;

	if (opt_u64(name, arg, min, max, &v))
		return EINVAL;
	*out = (u32)v;
	return 0;
}

int opt_pow2(const char *name, const char *arg, u64 v)
{
	if (v & (v - 1))
		return rlb_fail(
			"invalid value for --%s: '%s' (not a power of 2)", name,
			arg);
	return 0;
}

int rlb_name_index(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], name))
			return (int)i;
	return -1;
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

/* The variant called name, and its mechanism; NULL if there is none. */
static const struct rlb_variant *find_variant(const char *name,
					      const struct rlb_mech **mech)
{
	const struct rlb_variant *v;
	size_t i;

	for (i = 0; i < nr_mechs; i++)
		for (v = mechs[i]->variants; v->name; v++)
			if (!strcmp(v->name, name)) {
				*mech = mechs[i];
				return v;
			}
	return NULL;
}

/* Names of the variants of m (or, all false, of every variant that takes
 * --compat) as a list for a message: "a, b and c".
 */
static void variant_list(const struct rlb_mech *m, char *buf, size_t len)
{
	const struct rlb_variant *v, *prev = NULL;
	size_t i, used = 0;
	int n = 0;

	buf[0] = '\0';
	for (i = 0; i < nr_mechs; i++) {
		if (m && mechs[i] != m)
			continue;
		for (v = mechs[i]->variants; v->name; v++) {
			if (!m && !v->compat)
				continue;
			if (prev && used < len)
				used += snprintf(buf + used, len - used, "%s%s",
						 n++ ? ", " : "", prev->name);
			prev = v;
		}
	}
	if (prev && used < len)
		snprintf(buf + used, len - used, "%s%s", n ? " and " : "",
			 prev->name);
}

/* ---- --policy ----
 * One notification policy, named the same for every mechanism and turned
 * into each mechanism's own knobs by its plugin.
 */
static const char *const policy_names[] = {
	[POLICY_NATIVE] = "native", [POLICY_EVERY] = "every",
	[POLICY_BATCH] = "batch",   [POLICY_NONE] = "none",
	[POLICY_BUSY] = "busy",
};

void policy_name(char *buf, size_t len)
{
	if (env.policy.kind == POLICY_BATCH)
		snprintf(buf, len, "batch:%llu",
			 (unsigned long long)env.policy.batch_bytes);
	else
		snprintf(buf, len, "%s", policy_names[env.policy.kind]);
}

void policy_label(char *buf, size_t len)
{
	if (env.policy.kind != POLICY_NATIVE)
		policy_name(buf, len);
	else if (env.mech && env.mech->label)
		env.mech->label(buf, len);
	else
		snprintf(buf, len, "none");
}

static int policy_parse(const char *arg)
{
	static const struct {
		const char *suffix;
		u64 mult;
	} units[] = { { "", 1 }, { "KiB", 1024 }, { "MiB", 1024 * 1024 } };
	int kind = rlb_name_index(policy_names, ARRAY_SIZE(policy_names), arg);
	char num[32];
	size_t i, n;
	u64 v;

	/* native is the absence of --policy; batch needs its bytes */
	if (kind != -1 && kind != POLICY_NATIVE && kind != POLICY_BATCH) {
		env.policy.kind = kind;
		return 0;
	}
	if (strncmp(arg, "batch:", 6))
		return rlb_fail(
			"invalid value for --policy: '%s' (every, batch:BYTES, none, busy)",
			arg);
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
	return rlb_fail(
		"invalid value for --policy: '%s' (batch:BYTES, e.g. batch:65536 or batch:64KiB)",
		arg);
}

/* The knobs --policy implies, set by the bench's mechanism. */
static int policy_apply(void)
{
	char name[48];

	if (env.policy.kind == POLICY_NATIVE)
		return 0;
	if (env.compat)
		return rlb_fail("--policy replaces --compat");
	if (env.mech->policy)
		return env.mech->policy(env.variant);
	policy_name(name, sizeof(name));
	if (env.policy.kind != POLICY_NONE)
		return rlb_fail(
			"%s has no reader to wake: its only policy is none, not '%s'",
			env.bench_name, name);
	return 0;
}

/* ---- --compat: the settings of the kernel's own bench ----
 * tools/testing/selftests/bpf/benchs/bench_ringbufs.c as driven by
 * run_bench_ringbufs.sh (bench -w3 -d10 -a -c1 [--rb-sampled] [--rb-b2b]):
 * one producer, one consumer, consumer pinned to CPU 0 and producer to
 * CPU 1, 500 records per getpgid() trigger; what its ring and perf buffers
 * are set to is each mechanism's compat hook.  Back-to-back: the producer
 * thread fires one batch, then the consumer fires the next after each
 * drain.  Its records are 8 bytes; ours cannot be smaller than the header
 * plus the smallest payload (40 bytes).
 */
static const char *const compat_modes[] = { "parallel", "sampled", "b2b",
					    "b2b-sampled" };

static int compat_mode(const char *arg)
{
	int i = rlb_name_index(compat_modes, ARRAY_SIZE(compat_modes), arg);

	if (i < 0)
		return rlb_fail(
			"invalid value for --compat: '%s' (parallel|sampled|b2b|b2b-sampled)",
			arg);
	env.compat = compat_modes[i];
	return 0;
}

static int compat_apply(void)
{
	bool sampled = strstr(env.compat, "sampled"),
	     b2b = !strncmp(env.compat, "b2b", 3);
	char list[512];
	size_t i;
	int err;

	if (!env.variant->compat) {
		variant_list(NULL, list, sizeof(list));
		return rlb_fail("--compat applies to %s, not '%s'", list,
				env.bench_name);
	}
	if (!rlb_given(NULL, 'w'))
		env.warmup_s = 3;
	if (!rlb_given(NULL, 'd'))
		env.duration_s = 1; /* the kernel bench samples once a second */
	if (!rlb_given(NULL, 'i'))
		env.iterations = 10;
	if (!rlb_given(NULL, 'p'))
		env.producers = 1;
	if (!rlb_given(NULL, 'c'))
		env.consumers = 1;
	env.affinity = true;
	env.cons_first = true;
	if (!rlb_given(NULL, 's'))
		env.rec_size = RLB_REC_MIN;
	if (!rlb_given(NULL, 'b'))
		env.batch = RLB_COMPAT_SAMPLE;
	env.back2back = b2b;
	/* Our consumers cannot parse a headerless record: they only count. */
	if (env.kernel_record && rlb_given(NULL, 's'))
		return rlb_fail(
			"--kernel-record writes 8-byte records: -s does not apply");
	if (env.kernel_record) {
		env.rec_size = RLB_KERNEL_REC_SIZE;
		env.count_only = true;
	}
	for (i = 0; i < nr_mechs; i++) {
		err = mechs[i]->compat ?
			      mechs[i]->compat(sampled, mechs[i] == env.mech) :
			      0;
		if (err)
			return err;
	}
	if (b2b && env.producers != 1)
		return rlb_fail("--compat %s needs exactly one producer",
				env.compat);
	return 0;
}

/* What a variant cannot do, whatever its mechanism. */
static int check_variant(void)
{
	int err = env.mech->check ? env.mech->check(env.variant) : 0;

	if (err)
		return err;
	if (env.overwrite && !env.variant->overwrite)
		return rlb_fail("%s has no overwrite mode (try --list --json)",
				env.bench_name);
	if (scenario_is_snapshot(env.scenario) && env.count_only)
		return rlb_fail(
			"--count-only cannot judge a snapshot (it keeps no seq)");
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
	[SCEN_STREAM] = "stream",
	[SCEN_HIGH_RATE] = "high-rate",
	[SCEN_LATENCY] = "latency",
	[SCEN_OVERWRITE] = "overwrite",
	[SCEN_NO_READER] = "no-reader",
	[SCEN_RFC_MODES] = "rfc-modes",
	[SCEN_PRODUCER_ONLY] = "producer-only",
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
	  "stream (default), high-rate, latency, overwrite (snapshot after T s with no reader), no-reader (loader pins and exits, reader recovers after T s), rfc-modes (tags --compat runs), producer-only (as overwrite: the producers' cost alone)" },
	{ "count-only", OPT_COUNT_ONLY, NULL, 0,
	  "consumers only count (accounting overhead baseline)" },
	{ "lat-every", OPT_LAT_EVERY, "N", 0,
	  "time the latency of every N-th record per CPU, a power of two 1..4096 (default 1 with --rate, else 64)" },
	{ "producer-work", OPT_PRODUCER_WORK, "N", 0,
	  "extra work steps per record, 0..1048576 (slowdown injection, default 0)" },
	{ "producer-work-every", OPT_PRODUCER_WORK_EVERY, "M", 0,
	  "do the --producer-work steps on 1 record in M, a power of two 1..65536 (default 1)" },
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

/* After every option: defaults that depend on others, then --compat,
 * --policy and what the variant cannot do.
 */
static int parse_end(void)
{
	if (!env.bench_name && !env.list)
		return rlb_fail("no bench given (try --list)");
	/* relay-cat forks per period: 100 ms unless asked otherwise */
	if (!env.poll_ms)
		env.poll_ms = env.variant && env.variant->poll_ms ?
				      env.variant->poll_ms :
				      50;
	/* Below saturation there is time to time every record. */
	if (!env.lat_every)
		env.lat_every = env.rate ? 1 : 64;
	if (env.kernel_record && !env.compat)
		return rlb_fail("--kernel-record needs --compat");
	if (!env.variant)
		return 0;
	if (env.compat && compat_apply())
		return EINVAL;
	if (policy_apply())
		return EINVAL;
	return check_variant();
}

static error_t common_parse(int key, char *arg, struct argp_state *state)
{
	note_given(NULL, key);
	switch (key) {
	case 'w':
		return parse_seconds(arg, &env.warmup_s) ?
			       rlb_fail("invalid value for --warmup: '%s'",
					arg) :
			       0;
	case 'd':
		if (parse_seconds(arg, &env.duration_s) ||
		    env.duration_s < 0.01)
			return rlb_fail("invalid value for --duration: '%s'",
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
			return rlb_fail("invalid value for --size: '%s'", arg);
		if (v < RLB_PAYLOAD_MIN || v > RLB_PAYLOAD_MAX)
			return rlb_fail(
				"payload size out of range: '%s' (16..4096 bytes)",
				arg);
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
	case OPT_SCENARIO:
		env.scenario = rlb_name_index(scenario_names,
					      ARRAY_SIZE(scenario_names), arg);
		if (env.scenario < 0)
			return rlb_fail("invalid value for --scenario: '%s'",
					arg);
		return 0;
	case OPT_COUNT_ONLY:
		env.count_only = true;
		return 0;
	case OPT_PRODUCER_WORK:
		return opt_u32("producer-work", arg, 0, 1u << 20,
			       &env.producer_work);
	case OPT_PRODUCER_WORK_EVERY:
		if (opt_u32("producer-work-every", arg, 1, 1u << 16,
			    &env.producer_work_every))
			return EINVAL;
		return opt_pow2("producer-work-every", arg,
				env.producer_work_every);
	case OPT_KERNEL_RECORD:
		env.kernel_record = true;
		return 0;
	case OPT_LAT_EVERY:
		if (opt_u32("lat-every", arg, 1, 4096, &env.lat_every))
			return EINVAL;
		return opt_pow2("lat-every", arg, env.lat_every);
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
			return rlb_fail("unexpected argument '%s'", arg);
		env.bench_name = arg;
		return 0;
	case ARGP_KEY_END:
		return parse_end();
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

/* The bench's mechanism's options: noted as given, then its own parser. */
static error_t mech_parse(int key, char *arg, struct argp_state *state)
{
	const struct argp *argp = env.mech->argp;

	note_given(argp, key);
	return argp->parser(key, arg, state);
}

/* ---- the first pass: find the bench, note whose options were given ---- */
static struct {
	const char *bench_name;
	const struct rlb_mech *mech[64]; /* the owner of each option seen */
	int key[64];
	int n;
} seen;

static error_t scan_common(int key, char *arg, struct argp_state *state)
{
	size_t i, n = 0;

	switch (key) {
	case ARGP_KEY_INIT: /* each child learns its mechanism */
		for (i = 0; i < nr_mechs; i++)
			if (mechs[i]->argp)
				state->child_inputs[n++] = (void *)mechs[i];
		return 0;
	case ARGP_KEY_ARG:
		if (!seen.bench_name)
			seen.bench_name = arg;
		return 0;
	case OPT_LIST:
		env.list = true;
		return 0;
	default: /* values are checked by the second pass */
		return key > 0 && key < ARGP_KEY_END ? 0 : ARGP_ERR_UNKNOWN;
	}
}

static error_t scan_mech(int key, char *arg, struct argp_state *state)
{
	if (key <= 0 || key >= ARGP_KEY_END)
		return ARGP_ERR_UNKNOWN;
	if (seen.n < (int)ARRAY_SIZE(seen.key)) {
		seen.mech[seen.n] = state->input;
		seen.key[seen.n++] = key;
	}
	return 0;
}

/* "--rb-size" for an option key of m, for messages. */
static void option_name(const struct rlb_mech *m, int key, char *buf,
			size_t len)
{
	const struct argp_option *o;

	for (o = m->argp->options; o->name || o->key; o++)
		if (o->key == key) {
			if (o->name)
				snprintf(buf, len, "--%s", o->name);
			else
				snprintf(buf, len, "-%c", key);
			return;
		}
	snprintf(buf, len, "an option");
}

/* An option of another mechanism than the bench's is refused. */
static int check_owners(void)
{
	char opt[64], list[256];
	int i;

	for (i = 0; i < seen.n; i++) {
		if (seen.mech[i] == env.mech)
			continue;
		option_name(seen.mech[i], seen.key[i], opt, sizeof(opt));
		variant_list(seen.mech[i], list, sizeof(list));
		return rlb_fail("%s is an option of %s, not of %s", opt, list,
				seen.bench_name);
	}
	return 0;
}

/* Every option of every mechanism, under a header naming its variants:
 * the first pass, and --help.
 */
static struct argp_child all_children[ARRAY_SIZE(mechs) + 1];
static struct argp scan_argps[ARRAY_SIZE(mechs)];
static char headers[ARRAY_SIZE(mechs)][256];

static const struct argp scan_argp = {
	.options = common_opts,
	.parser = scan_common,
	.args_doc = "BENCH",
	.doc = "relaybench: BPF ring buffer vs perf buffer vs relay map",
	.children = all_children,
};

static void build_children(void)
{
	size_t i, n = 0;
	char list[200];

	for (i = 0; i < nr_mechs; i++) {
		if (!mechs[i]->argp)
			continue;
		scan_argps[n].options = mechs[i]->argp->options;
		scan_argps[n].parser = scan_mech;
		variant_list(mechs[i], list, sizeof(list));
		snprintf(headers[n], sizeof(headers[n]),
			 "%s (%s):", mechs[i]->title, list);
		all_children[n].argp = &scan_argps[n];
		all_children[n].header = headers[n];
		n++;
	}
}

static void defaults(void)
{
	size_t i;

	memset(&env, 0, sizeof(env));
	env.warmup_s = 1;
	env.duration_s = 1;
	env.iterations = 3;
	env.producers = 1;
	env.consumers = 1;
	env.rec_size = 64;
	env.batch = 1;
	env.producer_work_every = 1;
	for (i = 0; i < nr_mechs; i++)
		if (mechs[i]->defaults)
			mechs[i]->defaults();
}

/* ARGP_NO_ERRS silences argp's own --help too: handled here. */
static void print_help_if_asked(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-?")) {
			argp_help(&scan_argp, stdout, ARGP_HELP_STD_HELP,
				  "bench");
			exit(0);
		}
		if (!strcmp(argv[i], "--usage")) {
			argp_help(&scan_argp, stdout, ARGP_HELP_USAGE, "bench");
			exit(0);
		}
	}
}

/* The second pass: common options and the bench's mechanism's, nothing else. */
static int parse_bench(int argc, char **argv)
{
	struct argp_child child[2] = {};
	struct argp mech_argp = {};
	const struct argp bench_argp = {
		.options = common_opts,
		.parser = common_parse,
		.children = child,
	};

	if (env.mech && env.mech->argp) {
		mech_argp.options = env.mech->argp->options;
		mech_argp.parser = mech_parse;
		child[0].argp = &mech_argp;
	}
	/* ARGP_NO_ERRS: argp would print usage and exit 64; we print one line. */
	return argp_parse(&bench_argp, argc, argv, ARGP_NO_ERRS, NULL, NULL);
}

int bench_parse_args(int argc, char **argv, char *err, size_t errlen)
{
	int ret;

	register_mechs();
	build_children();
	print_help_if_asked(argc, argv);
	defaults();
	memset(&seen, 0, sizeof(seen));
	n_given = 0;
	err[0] = '\0';
	parse_err = err;
	parse_errlen = errlen;
	ret = argp_parse(&scan_argp, argc, argv, ARGP_NO_ERRS, NULL, NULL);
	if (!ret && seen.bench_name && !env.list) {
		env.variant = find_variant(seen.bench_name, &env.mech);
		if (!env.variant)
			ret = rlb_fail("unknown bench '%s' (try --list)",
				       seen.bench_name);
		else
			ret = check_owners();
	}
	if (!ret)
		ret = parse_bench(argc, argv);
	parse_err = NULL;
	if (!ret)
		return 0;
	if (!err[0])
		snprintf(err, errlen,
			 "unknown or malformed option (see --help)");
	return EXIT_USAGE;
}

/*
 * Where the consumers ran: on CPUs of their own, or sharing with producers
 * (-a places producers on CPUs 0.. and consumers after them, wrapping).
 */
static const char *placement(void)
{
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (!env.affinity)
		return "unpinned";
	return env.producers + env.consumers > ncpus ? "shared" : "dedicated";
}

void params_json(struct json *j)
{
	char policy[48];
	size_t i;

	json_begin(j, "params");
	json_dbl(j, "warmup_s", env.warmup_s);
	json_dbl(j, "duration_s", env.duration_s);
	json_u64(j, "iterations", env.iterations);
	json_u64(j, "producers", env.producers);
	json_u64(j, "consumers", env.consumers);
	json_bool(j, "affinity", env.affinity);
	json_str(j, "placement", placement());
	json_u64(j, "record_size", env.rec_size);
	json_u64(j, "payload_size",
		 env.kernel_record ? 0 : env.rec_size - RLB_HDR_SIZE);
	json_bool(j, "kernel_record", env.kernel_record);
	json_u64(j, "batch", env.batch);
	json_u64(j, "producer_work", env.producer_work);
	json_u64(j, "producer_work_every", env.producer_work_every);
	json_u64(j, "rate", env.rate);
	json_u64(j, "poll_ms", env.poll_ms);
	json_bool(j, "external", env.external);
	json_str(j, "trigger",
		 env.raw_tp ? "raw_tp/sys_enter" :
			      "tp/syscalls/sys_enter_getpgid");
	json_bool(j, "overwrite", env.overwrite);
	json_bool(j, "count_only", env.count_only);
	json_u64(j, "lat_every", env.lat_every);
	policy_name(policy, sizeof(policy));
	json_str(j, "policy", policy);
	/* only under --compat, so that other results keep their keys */
	if (env.compat)
		json_str(j, "compat", env.compat);
	for (i = 0; i < nr_mechs; i++)
		if (mechs[i]->params)
			mechs[i]->params(j);
	json_end(j);
}

/*
 * The --policy kinds a variant takes (with --overwrite when asked), as the
 * option parser decides: each is tried, so the list cannot disagree with a
 * run.
 */
static void policies_json(struct json *j, const char *key, const char *name,
			  bool overwrite)
{
	static const char *const tries[][2] = {
		{ "every", "every" },
		{ "batch", "batch:65536" },
		{ "none", "none" },
		{ "busy", "busy" },
	};
	char err[RLB_ERRLEN], *argv[5];
	size_t i;
	int argc;

	json_begin_array(j, key);
	for (i = 0; i < ARRAY_SIZE(tries); i++) {
		argc = 0;
		argv[argc++] = "bench";
		argv[argc++] = "--policy";
		argv[argc++] = (char *)tries[i][1];
		if (overwrite)
			argv[argc++] = "--overwrite";
		argv[argc++] = (char *)name;
		if (!bench_parse_args(argc, argv, err, sizeof(err)))
			json_str(j, NULL, tries[i][0]);
	}
	json_end_array(j);
}

void list_variants(void)
{
	const struct rlb_variant *v;
	bool json = env.json;
	struct json j;
	size_t i;

	json_init(&j);
	json_begin_array(&j, NULL);
	for (i = 0; i < nr_mechs; i++)
		for (v = mechs[i]->variants; v->name; v++) {
			if (!json) {
				printf("%-16s %s\n", v->name, v->desc);
				continue;
			}
			json_begin(&j, NULL);
			json_str(&j, "name", v->name);
			json_str(&j, "mechanism", mechs[i]->name);
			json_str(&j, "reader", v->reader);
			json_str(&j, "desc", v->desc);
			json_bool(&j, "overwrite", v->overwrite);
			json_bool(&j, "live_consumer", v->live_consumer);
			json_str(&j, "kernel",
				 mechs[i]->patched_kernel ? "patched" : "any");
			policies_json(&j, "policies", v->name, false);
			if (v->overwrite)
				policies_json(&j, "overwrite_policies", v->name,
					      true);
			json_end(&j);
		}
	json_end_array(&j);
	if (json)
		printf("%s\n", j.buf);
	json_free(&j);
}
