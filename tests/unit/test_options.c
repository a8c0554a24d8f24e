// SPDX-License-Identifier: GPL-2.0
/* Command line: valid and invalid input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "json.h"
#include "options.h"
#include "relay_parse.h"

static char err[RLB_ERRLEN];

#define PARSE(...) ({							\
	char *argv[] = { "bench", __VA_ARGS__, NULL };			\
	bench_parse_args(sizeof(argv) / sizeof(argv[0]) - 1, argv, err, sizeof(err)); \
})

/* A mechanism's knob as every result reports it: its value in params. */
static const char *param_str(const char *key)
{
	static char val[64];
	char needle[64];
	struct json j;
	const char *p;
	size_t n;

	json_init(&j);
	params_json(&j);
	snprintf(needle, sizeof(needle), "\"%s\":", key);
	p = strstr(j.buf, needle);
	assert_non_null(p);
	p += strlen(needle);
	if (*p == '"')
		p++;
	n = strcspn(p, "\",}");
	snprintf(val, sizeof(val), "%.*s", (int)n, p);
	json_free(&j);
	return val;
}

static u64 param_u64(const char *key)
{
	return strtoull(param_str(key), NULL, 10);
}

static void test_defaults(void **state)
{
	assert_int_equal(PARSE("ringbuf-libbpf"), 0);
	assert_string_equal(env.bench_name, "ringbuf-libbpf");
	assert_int_equal(env.iterations, 3);
	assert_int_equal(env.rec_size, 64);	/* 24-byte header + 40 */
	assert_int_equal(env.batch, 1);
	assert_int_equal(env.producer_work, 0);
	assert_int_equal(env.producer_work_every, 1);
	assert_int_equal(env.lat_every, 64);	/* saturation: every 64th timed */
	assert_false(env.json);
	assert_null(env.compat);
	assert_false(env.back2back || env.cons_first);
}

static void test_valid(void **state)
{
	assert_int_equal(PARSE("-w", "0.5", "-d", "2", "-p", "2", "-c", "1", "-a", "-i", "5",
			       "--json", "-s", "4096", "-b", "16", "--rate", "1000", "--raw-tp",
			       "--pb-wakeup", "4", "perfbuf-custom"), 0);
	assert_float_equal(env.warmup_s, 0.5, 0);
	assert_float_equal(env.duration_s, 2, 0);
	assert_int_equal(env.producers, 2);
	assert_true(env.affinity && env.json && env.raw_tp);
	assert_int_equal(env.iterations, 5);
	assert_int_equal(env.rec_size, RLB_HDR_SIZE + 4096);
	assert_int_equal(env.batch, 16);
	assert_int_equal(env.rate, 1000);
	assert_int_equal(env.lat_every, 1);	/* rate-limited: every record timed */
	assert_int_equal(param_u64("pb_wakeup"), 4);
	assert_int_equal(PARSE("--rb-notify", "sampled", "--rb-sample", "8", "ringbuf-libbpf"), 0);
	assert_string_equal(param_str("rb_notify"), "sampled");
	assert_int_equal(param_u64("rb_sample"), 8);
	assert_int_equal(PARSE("--relay-subbuf", "8192", "--relay-nsubbufs", "4", "relay-read"), 0);
	assert_int_equal(param_u64("relay_subbuf"), 8192);
	assert_int_equal(param_u64("relay_nsubbufs"), 4);
	assert_int_equal(PARSE("--list"), 0);
	assert_true(env.list);
	assert_int_equal(PARSE("-s", "16", "percpu"), 0);
	assert_int_equal(env.rec_size, 40);
	assert_int_equal(PARSE("-s", "24", "percpu"), 0);
	assert_int_equal(env.rec_size, 48);
	assert_int_equal(PARSE("--lat-every", "4096", "--rate", "10", "percpu"), 0);
	assert_int_equal(env.lat_every, 4096);	/* given wins over the rate default */
	assert_int_equal(PARSE("--producer-work", "1048576", "percpu"), 0);
	assert_int_equal(env.producer_work, 1048576);
	assert_int_equal(PARSE("--producer-work-every", "16", "percpu"), 0);
	assert_int_equal(env.producer_work_every, 16);
	assert_int_equal(PARSE("--rb-notify", "avail", "ringbuf-libbpf"), 0);
	assert_string_equal(param_str("rb_notify"), "avail");
}

/* What every --compat mode shares: the kernel bench's fixed settings. */
static void assert_compat_common(void)
{
	assert_float_equal(env.warmup_s, 3, 0);
	assert_float_equal(env.duration_s, 1, 0);
	assert_int_equal(env.iterations, 10);
	assert_int_equal(env.producers, 1);
	assert_int_equal(env.consumers, 1);
	assert_true(env.affinity && env.cons_first);
	assert_int_equal(env.rec_size, RLB_REC_MIN);
	assert_int_equal(env.batch, 500);
	assert_int_equal(param_u64("rb_size"), 512 * 1024);
	assert_int_equal(param_u64("pb_pages"), 128);
}

static void test_compat_modes(void **state)
{
	assert_int_equal(PARSE("--compat", "parallel", "ringbuf-libbpf"), 0);
	assert_string_equal(env.compat, "parallel");
	assert_compat_common();
	assert_string_equal(param_str("rb_notify"), "default");
	assert_int_equal(param_u64("pb_wakeup"), 1);
	assert_false(env.back2back);

	assert_int_equal(PARSE("perfbuf-custom", "--compat=sampled"), 0);
	assert_string_equal(env.compat, "sampled");
	assert_compat_common();
	assert_string_equal(param_str("rb_notify"), "avail");
	assert_int_equal(param_u64("rb_sample"), 500);
	assert_int_equal(param_u64("pb_wakeup"), 500);
	assert_false(env.back2back);

	assert_int_equal(PARSE("--compat", "b2b", "ringbuf-custom"), 0);
	assert_compat_common();
	assert_string_equal(param_str("rb_notify"), "default");
	assert_int_equal(param_u64("pb_wakeup"), 1);
	assert_true(env.back2back);

	assert_int_equal(PARSE("--compat", "b2b-sampled", "perfbuf-libbpf"), 0);
	assert_compat_common();
	assert_string_equal(param_str("rb_notify"), "avail");
	assert_int_equal(param_u64("pb_wakeup"), 500);
	assert_true(env.back2back);
}

/* Relay in the kernel bench's modes: 512 KiB per CPU, woken per sub-buffer;
 * sampled sizes the sub-buffer to 500 records with their headers.
 */
static void test_compat_relay(void **state)
{
	assert_int_equal(PARSE("--compat", "parallel", "relay-mmap"), 0);
	assert_compat_common();
	assert_int_equal(param_u64("relay_subbuf"), 65536);
	assert_int_equal(param_u64("relay_nsubbufs"), 8);
	assert_false(env.back2back);

	/* 500 x (8-byte header + 40 bytes) + the sub-buffer header: 6 pages */
	assert_int_equal(PARSE("--compat", "sampled", "relay-read"), 0);
	assert_compat_common();
	assert_int_equal(param_u64("relay_subbuf"), 24576);
	assert_int_equal(param_u64("relay_nsubbufs"), 21);
	assert_true(param_u64("relay_subbuf") - sizeof(struct bpf_relay_subbuf_hdr) >=
		    500 * (sizeof(struct bpf_relay_rec_hdr) + RLB_REC_MIN));

	/* the kernel bench's 8-byte record: 500 x 16 bytes fit in 2 pages */
	assert_int_equal(PARSE("--kernel-record", "--compat", "b2b-sampled", "relay-mmap"), 0);
	assert_int_equal(param_u64("relay_subbuf"), 8192);
	assert_int_equal(param_u64("relay_nsubbufs"), 64);
	assert_true(env.back2back && env.kernel_record);

	assert_int_equal(PARSE("--compat", "b2b", "relay-read"), 0);
	assert_int_equal(param_u64("relay_subbuf"), 65536);
	assert_true(env.back2back);

	/* given sizes win */
	assert_int_equal(PARSE("--compat", "sampled", "--relay-subbuf", "16384",
			       "--relay-nsubbufs", "4", "relay-read"), 0);
	assert_int_equal(param_u64("relay_subbuf"), 16384);
	assert_int_equal(param_u64("relay_nsubbufs"), 4);
}

/* Options given explicitly win over --compat, before or after it. */
static void test_compat_overrides(void **state)
{
	assert_int_equal(PARSE("-w", "0.2", "--compat", "sampled", "-d", "0.5", "-i", "2",
			       "-s", "64", "-b", "7", "--pb-wakeup", "3", "perfbuf-libbpf"), 0);
	assert_float_equal(env.warmup_s, 0.2, 0);
	assert_float_equal(env.duration_s, 0.5, 0);
	assert_int_equal(env.iterations, 2);
	assert_int_equal(env.rec_size, RLB_HDR_SIZE + 64);
	assert_int_equal(env.batch, 7);
	assert_int_equal(param_u64("pb_wakeup"), 3);
	/* untouched knobs still follow the mode, other mechanisms' too */
	assert_int_equal(param_u64("pb_pages"), 128);
	assert_string_equal(param_str("rb_notify"), "avail");
	assert_int_equal(param_u64("rb_size"), 512 * 1024);
	assert_true(env.affinity && env.cons_first);
	assert_int_equal(PARSE("--compat", "sampled", "--rb-sample", "9", "--rb-size", "65536",
			       "ringbuf-libbpf"), 0);
	assert_int_equal(param_u64("rb_sample"), 9);
	assert_int_equal(param_u64("rb_size"), 65536);
	assert_string_equal(param_str("rb_notify"), "avail");
	assert_int_equal(param_u64("pb_wakeup"), 500);
	/* a second parse starts from scratch: nothing is remembered */
	assert_int_equal(PARSE("--compat", "parallel", "ringbuf-libbpf"), 0);
	assert_compat_common();
	assert_false(env.kernel_record || env.count_only);
	/* the kernel bench's record: 8 bytes, only counted */
	assert_int_equal(PARSE("--kernel-record", "--compat", "b2b", "perfbuf-custom"), 0);
	assert_true(env.kernel_record && env.count_only);
	assert_int_equal(env.rec_size, 8);
}

static void expect_usage(int ret, const char *needle)
{
	assert_int_equal(ret, EXIT_USAGE);
	if (!strstr(err, needle))
		print_error("got \"%s\", want \"%s\"\n", err, needle);
	assert_non_null(strstr(err, needle));
	assert_null(strchr(err, '\n'));		/* one line */
}

static void test_invalid(void **state)
{
	expect_usage(PARSE("-d", "abc", "percpu"), "--duration");
	expect_usage(PARSE("-d", "-1", "percpu"), "--duration");
	expect_usage(PARSE("-p", "0", "percpu"), "--producers");
	expect_usage(PARSE("-i", "12x", "percpu"), "--iterations");
	expect_usage(PARSE("-s", "15", "percpu"), "payload size out of range");
	expect_usage(PARSE("-s", "0", "percpu"), "payload size out of range");
	expect_usage(PARSE("-s", "4097", "percpu"), "payload size out of range");
	expect_usage(PARSE("-s", "big", "percpu"), "--size");
	expect_usage(PARSE("-b", "0", "percpu"), "--batch");
	expect_usage(PARSE("--rb-size", "5000", "ringbuf-libbpf"), "power of 2");
	expect_usage(PARSE("--rb-notify", "sometimes", "ringbuf-libbpf"), "--rb-notify");
	expect_usage(PARSE("--relay-subbuf", "5000", "relay-read"), "page multiple");
	expect_usage(PARSE("--relay-subbuf", "1000", "relay-read"), "--relay-subbuf");
	expect_usage(PARSE("--relay-nsubbufs", "1", "relay-read"), "--relay-nsubbufs");
	/* a mechanism's options are parsed for its own benches only */
	expect_usage(PARSE("--relay-subbuf", "8192", "ringbuf-libbpf"),
		     "--relay-subbuf is an option of relay-mmap, relay-mmap-kfunc, relay-read and relay-cat, not of ringbuf-libbpf");
	expect_usage(PARSE("ringbuf-custom", "--pb-pages", "8"),
		     "--pb-pages is an option of perfbuf-libbpf and perfbuf-custom, not of ringbuf-custom");
	expect_usage(PARSE("--rb-size", "4096", "percpu"), "not of percpu");
	expect_usage(PARSE("--rb-size", "4096", "no-such-bench"), "unknown bench");
	expect_usage(PARSE("--producer-work", "1048577", "percpu"), "--producer-work");
	expect_usage(PARSE("--producer-work", "-3", "percpu"), "--producer-work");
	expect_usage(PARSE("--producer-work-every", "0", "percpu"), "--producer-work-every");
	expect_usage(PARSE("--producer-work-every", "65537", "percpu"), "--producer-work-every");
	expect_usage(PARSE("--producer-work-every", "48", "percpu"), "not a power of 2");
	expect_usage(PARSE("--relay-dir", "a/b", "relay-mmap"), "--relay-dir");
	expect_usage(PARSE("--lat-every", "3", "percpu"), "power of 2");
	expect_usage(PARSE("--lat-every", "0", "percpu"), "--lat-every");
	expect_usage(PARSE("--lat-every", "8192", "percpu"), "--lat-every");
	expect_usage(PARSE("--no-such-option", "percpu"), "unknown");
	expect_usage(PARSE("percpu", "extra"), "unexpected argument");
	expect_usage(PARSE("-w", "1"), "no bench");
	expect_usage(PARSE("--compat", "fast", "ringbuf-libbpf"), "--compat");
	expect_usage(PARSE("--compat", "", "ringbuf-libbpf"), "--compat");
	expect_usage(PARSE("--compat", "parallel", "percpu"), "--compat applies to");
	expect_usage(PARSE("--compat", "parallel", "ringbuf-busy"), "--compat applies to");
	expect_usage(PARSE("--compat", "sampled", "relay-cat"), "--compat applies to");
	expect_usage(PARSE("--compat", "b2b", "-p", "2", "perfbuf-custom"), "exactly one producer");
	expect_usage(PARSE("--compat", "b2b-sampled", "-p", "2", "ringbuf-custom"), "exactly one producer");
	expect_usage(PARSE("--compat"), "unknown or malformed");
	expect_usage(PARSE("--kernel-record", "ringbuf-custom"), "needs --compat");
	expect_usage(PARSE("--compat", "b2b", "--kernel-record", "-s", "64", "ringbuf-custom"),
		     "-s does not apply");
}

static void test_scenario(void **state)
{
	assert_int_equal(PARSE("percpu"), 0);
	assert_int_equal(env.scenario, SCEN_STREAM);
	assert_int_equal(PARSE("--scenario", "no-reader", "--overwrite", "relay-mmap"), 0);
	assert_int_equal(env.scenario, SCEN_NO_READER);
	assert_true(env.overwrite);
	assert_true(scenario_is_snapshot(env.scenario));
	assert_string_equal(scenario_name(env.scenario), "no-reader");
	assert_int_equal(PARSE("--scenario", "high-rate", "percpu"), 0);
	assert_false(scenario_is_snapshot(env.scenario));
	expect_usage(PARSE("--scenario", "sometimes", "percpu"), "--scenario");
	assert_int_equal(PARSE("relay-cat"), 0);
	assert_int_equal(env.poll_ms, 100);
	assert_int_equal(PARSE("--poll-ms", "5", "relay-mmap"), 0);
	assert_int_equal(env.poll_ms, 5);
	expect_usage(PARSE("--poll-ms", "0", "percpu"), "--poll-ms");
	expect_usage(PARSE("--scenario", "", "percpu"), "--scenario");
}

/* The policy label of the last parse, as its run would report it. */
static const char *label_of(void)
{
	static char label[64];

	policy_label(label, sizeof(label));
	return label;
}

/* Every policy's name parses back to that policy, and the policy label
 * (JSON "policy", grouped on by scripts) starts with the name. */
static void test_notify_names(void **state)
{
	static const char *const names[] = { "default", "none",	 "force",
					     "sampled", "avail", "bytes" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		char *name = (char *)names[i];

		assert_int_equal(PARSE("--rb-notify", name, "ringbuf-libbpf"), 0);
		assert_string_equal(param_str("rb_notify"), name);
		assert_int_equal(strncmp(label_of(), name, strlen(name)), 0);
	}
	expect_usage(PARSE("--rb-notify", "Avail", "ringbuf-libbpf"), "--rb-notify");
	expect_usage(PARSE("--rb-notify", "?", "ringbuf-libbpf"), "--rb-notify");

	/* avail and --compat sampled were once labelled "default" */
	assert_int_equal(PARSE("--rb-notify", "avail", "--rb-sample", "32", "ringbuf-libbpf"), 0);
	assert_string_equal(label_of(), "avail/32");
	assert_int_equal(PARSE("--compat", "sampled", "ringbuf-custom"), 0);
	assert_string_equal(label_of(), "avail/500");
	assert_int_equal(PARSE("--rb-notify", "sampled", "--rb-sample", "8", "ringbuf-libbpf"), 0);
	assert_string_equal(label_of(), "sampled/8");
	/* other mechanisms ignore the ring buffer policy */
	assert_int_equal(PARSE("--compat", "sampled", "perfbuf-custom"), 0);
	assert_string_equal(label_of(), "wakeup/500");
}

/* --policy: one vocabulary, each mechanism's knobs follow from it. */
static void test_policy(void **state)
{
	assert_int_equal(PARSE("ringbuf-libbpf"), 0);
	assert_int_equal(env.policy.kind, POLICY_NATIVE);
	assert_string_equal(label_of(), "default");

	assert_int_equal(PARSE("--policy", "every", "ringbuf-custom"), 0);
	assert_string_equal(param_str("rb_notify"), "default");
	assert_string_equal(label_of(), "every");
	assert_int_equal(PARSE("--policy", "batch:64KiB", "ringbuf-libbpf"), 0);
	assert_int_equal(env.policy.kind, POLICY_BATCH);
	assert_int_equal(env.policy.batch_bytes, 65536);
	assert_string_equal(param_str("rb_notify"), "bytes");
	assert_int_equal(param_u64("rb_sample"), 65536);
	assert_string_equal(label_of(), "batch:65536");
	assert_int_equal(PARSE("--policy", "none", "ringbuf-libbpf"), 0);
	assert_string_equal(param_str("rb_notify"), "none");
	assert_int_equal(rlb_poll_timeout(&env), 50);
	assert_int_equal(PARSE("--policy", "busy", "ringbuf-busy"), 0);
	assert_string_equal(param_str("rb_notify"), "none");
	assert_int_equal(rlb_poll_timeout(&env), 0);

	assert_int_equal(PARSE("--policy", "every", "perfbuf-libbpf"), 0);
	assert_true(param_u64("pb_wakeup") == 1 && param_u64("pb_watermark") == 0);
	assert_int_equal(PARSE("--policy", "batch:8192", "perfbuf-custom"), 0);
	assert_int_equal(param_u64("pb_watermark"), 8192);
	assert_string_equal(label_of(), "batch:8192");
	assert_int_equal(PARSE("--policy", "none", "--pb-pages", "16", "perfbuf-custom"), 0);
	assert_int_equal(param_u64("pb_watermark"), 16 * 4096);

	assert_int_equal(PARSE("--policy", "batch:1MiB", "relay-mmap"), 0);
	assert_int_equal(param_u64("relay_subbuf"), 1 << 20);
	assert_int_equal(PARSE("--policy", "batch:8192", "--relay-subbuf", "8192", "relay-read"), 0);
	assert_int_equal(PARSE("--policy", "busy", "relay-read"), 0);
	assert_int_equal(PARSE("--policy", "none", "relay-cat"), 0);
	assert_int_equal(PARSE("--policy", "none", "percpu"), 0);
	assert_string_equal(label_of(), "none");

	/* what a mechanism cannot do is refused in one line */
	expect_usage(PARSE("--policy", "every", "relay-mmap"), "per sub-buffer");
	expect_usage(PARSE("--policy", "busy", "relay-cat"), "timer");
	expect_usage(PARSE("--policy", "batch:5000", "relay-mmap"), "page multiple");
	expect_usage(PARSE("--policy", "batch:8192", "--relay-subbuf", "16384", "relay-mmap"),
		     "contradicts");
	expect_usage(PARSE("--policy", "every", "percpu"), "no reader");
	expect_usage(PARSE("--policy", "batch:8192", "--overwrite", "perfbuf-custom"), "timer");
	assert_int_equal(PARSE("--policy", "none", "--overwrite", "perfbuf-custom"), 0);
	expect_usage(PARSE("--policy", "every", "ringbuf-busy"), "busy policy");
	expect_usage(PARSE("--policy", "batch:1MiB", "ringbuf-libbpf"), "smaller than the ring");
	expect_usage(PARSE("--policy", "batch:512KiB", "perfbuf-libbpf"), "smaller than a CPU");
	expect_usage(PARSE("--policy", "every", "--rb-notify", "none", "ringbuf-libbpf"),
		     "replaces");
	expect_usage(PARSE("--policy", "none", "--compat", "sampled", "ringbuf-libbpf"),
		     "replaces");
	expect_usage(PARSE("--policy", "sometimes", "percpu"), "--policy");
	expect_usage(PARSE("--policy", "batch:", "percpu"), "batch:BYTES");
	expect_usage(PARSE("--policy", "batch:0", "percpu"), "batch:BYTES");
	expect_usage(PARSE("--policy", "batch:64k", "percpu"), "batch:BYTES");
	expect_usage(PARSE("--policy", "batch:KiB", "percpu"), "batch:BYTES");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_scenario),
		cmocka_unit_test(test_compat_modes),
		cmocka_unit_test(test_compat_relay),
		cmocka_unit_test(test_compat_overrides),
		cmocka_unit_test(test_notify_names),
		cmocka_unit_test(test_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
