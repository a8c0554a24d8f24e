// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c: the bench driver.  Parses the command line (options.c), checks
 * the environment, sets the bench's variant up -- or, for the no-reader
 * scenario, has a loader do it (pin.c) -- runs it (run.c), reports
 * (report.c), tears down.  Mechanisms are known only through their table
 * (mechs.h, plugin.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "meta.h"
#include "options.h"
#include "pin.h"
#include "plugin.h"
#include "loader.h"
#include "report.h"
#include "run.h"

static void on_signal(int sig)
{
	rlb_interrupted = sig;
	flag_set(rlb_stop_producers, 1);
}

static bool dir_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Root, kernel BTF, and tracefs for the tracepoint trigger. */
static int check_environment(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "must be run as root\n");
		return EXIT_ENV;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr,
			"kernel btf missing (/sys/kernel/btf/vmlinux)\n");
		return EXIT_ENV;
	}
	if (env.raw_tp || dir_exists("/sys/kernel/tracing/events") ||
	    dir_exists("/sys/kernel/debug/tracing/events"))
		return 0;
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		fprintf(stderr, "tracefs not mounted and cannot mount it: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	fprintf(stderr,
		"note: mounted tracefs on /sys/kernel/tracing (left mounted)\n");
	return 0;
}

/* Whether this kernel has the mechanisms that need the patched one. */
static bool patched_kernel(void)
{
	const struct rlb_mech *m;
	bool found = false;
	size_t i;

	for (i = 0; (m = rlb_mech_at(i)); i++) {
		if (!m->patched_kernel)
			continue;
		if (!m->run->probe || !m->run->probe())
			return false;
		found = true;
	}
	return found;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG || getenv("RLB_QUIET_LIBBPF"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/*
 * Leave the way a shell expects of a program that caught a signal to clean
 * up: killed by that signal.  A shell running us in the foreground takes a
 * normal exit after Ctrl-C to mean "the child handled it" and carries on
 * with its script; it stops only when we die of the signal.  The handlers go
 * back to the default before the flag is read, so a signal arriving after
 * the read kills us too.
 */
static int finish(int ret)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int sig;

	sigemptyset(&dfl.sa_mask);
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	sig = rlb_interrupted;
	if (!sig)
		return ret;
	fprintf(stderr, "interrupted\n");
	fflush(NULL);
	raise(sig);
	return 128 + sig;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* The command line, then what only the run-time parts can tell. */
static int prepare(int argc, char **argv)
{
	const struct rlb_run *run;
	char err[RLB_ERRLEN];
	int ret;

	ret = bench_parse_args(argc, argv, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err);
		return ret;
	}
	if (env.list) {
		list_variants();
		return -1;
	}
	run = env.mech->run;
	if (env.scenario == SCEN_NO_READER &&
	    (!run->buf_map || !run->recover)) {
		fprintf(stderr, "%s cannot run the no-reader scenario\n",
			env.bench_name);
		return EXIT_USAGE;
	}
	if (scenario_is_snapshot(env.scenario) && !env.variant->consumer) {
		fprintf(stderr, "%s has no reader for the %s scenario\n",
			env.bench_name, scenario_name(env.scenario));
		return EXIT_USAGE;
	}
	rlb_count_only = env.count_only;
	rlb_lat_mask = env.lat_every - 1;
	rlb_main_pid = getpid();
	return check_environment();
}

int main(int argc, char **argv)
{
	struct rlb_result r = {};
	struct bench_meta meta;
	int stats_fd = -1, ret;

	ret = prepare(argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	libbpf_set_print(libbpf_print);
	install_signals();
	meta_collect(&meta, patched_kernel());
	ret = env.scenario == SCEN_NO_READER ?
		      rlb_no_reader_load(env.variant->setup,
					 env.mech->run->buf_map) :
		      env.variant->setup();
	if (ret)
		goto cleanup;
	/* run_time_ns/run_cnt are only kept while someone holds this fd. */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0)
		fprintf(stderr,
			"warning: bpf_enable_stats failed, no producer ns/event\n");
	ret = rlb_run(&r);
	if (ret || rlb_interrupted)
		goto cleanup;
	if (env.json)
		report_json(&r, &meta);
	else
		report_text(&r, &meta);
	if (!r.loss_ok) {
		fprintf(stderr, "LOSS ACCOUNTING VIOLATION: %s: %s\n",
			env.bench_name, r.loss_why);
		ret = 3;
	}
cleanup:
	if (stats_fd >= 0)
		close(stats_fd);
	rlb_producer_detach();
	env.mech->run->teardown();
	rlb_producer_close();
	rlb_pins_remove();
	return finish(ret);
}
