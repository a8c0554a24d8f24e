// SPDX-License-Identifier: GPL-2.0
/* meta.c: where and with what a result was measured. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "json.h"
#include "meta.h"
#include "gen/git_rev.h" /* GIT_REV, written by the Makefile */

static void sha256_of(const char *path, char *out, size_t len)
{
	char cmd[512], line[128] = "";
	FILE *f;

	snprintf(out, len, "unknown");
	if (access(path, R_OK))
		return;
	/* sha256sum is in coreutils on host and guest (same root); no crypto
	 * library to link statically for one hash.
	 */
	snprintf(cmd, sizeof(cmd), "sha256sum '%s' 2>/dev/null", path);
	f = popen(cmd, "r");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && strlen(line) > 64 &&
	    line[64] == ' ') {
		line[64] = '\0';
		snprintf(out, len, "%s", line);
	}
	pclose(f);
}

static void read_cpu_model(struct bench_meta *m)
{
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(m->cpu_model, sizeof(m->cpu_model), "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		v += 2;
		if (!strncmp(line, "model name", 10) &&
		    !strcmp(m->cpu_model, "unknown")) {
			v[strcspn(v, "\n")] = '\0';
			snprintf(m->cpu_model, sizeof(m->cpu_model), "%s", v);
		} else if (!strncmp(line, "flags", 5) &&
			   strstr(v, " hypervisor")) {
			m->hypervisor = true;
		}
	}
	fclose(f);
}

static bool sys_vendor_is_qemu(void)
{
	char buf[64] = "";
	FILE *f = fopen("/sys/class/dmi/id/sys_vendor", "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strstr(buf, "QEMU") != NULL;
}

/*
 * scripts/vm.sh tells its guest on the kernel command line: rb_accel=kvm|tcg
 * and, with an instruction-counted clock, rb_timebase=icount.  KEY's value
 * goes to OUT, or FALLBACK where the key is absent (natively).
 */
static void read_cmdline_key(const char *key, const char *fallback, char *out,
			     size_t len)
{
	char line[4096] = "";
	const char *p = NULL;
	FILE *f = fopen("/proc/cmdline", "r");

	if (f && fgets(line, sizeof(line), f))
		p = strstr(line, key);
	if (f)
		fclose(f);
	if (!p) {
		snprintf(out, len, "%s", fallback);
		return;
	}
	p += strlen(key);
	snprintf(out, len, "%.*s", (int)strcspn(p, " \t\n"), p);
}

void meta_collect(struct bench_meta *m, bool patched_kernel)
{
	char cfg[300];
	struct timespec now;
	struct utsname u;

	memset(m, 0, sizeof(*m));
	/* Wall clock, not monotonic: compare.sh orders the results of two
	 * runs (two processes, maybe two binaries) by it.
	 */
	clock_gettime(CLOCK_REALTIME, &now);
	m->started_unix_s = now.tv_sec + now.tv_nsec / 1e9;
	uname(&u);
	snprintf(m->kernel, sizeof(m->kernel), "%s", u.release);
	if (!access("/proc/config.gz", R_OK))
		sha256_of("/proc/config.gz", m->config_sha256,
			  sizeof(m->config_sha256));
	else {
		snprintf(cfg, sizeof(cfg), "/boot/config-%s", u.release);
		sha256_of(cfg, m->config_sha256, sizeof(m->config_sha256));
	}
	read_cpu_model(m);
	m->hypervisor |= sys_vendor_is_qemu();
	m->nproc = (int)sysconf(_SC_NPROCESSORS_ONLN);
	m->relay_map = patched_kernel;
	/* Our VM = a guest running our patched kernel; a hypervisor flag alone
	 * is not enough (the build host itself may be a cloud VM).
	 */
	m->where = m->hypervisor && m->relay_map ? "vm" : "native";
	read_cmdline_key("rb_accel=", "none", m->accelerator,
			 sizeof(m->accelerator));
	read_cmdline_key("rb_timebase=", "wall", m->time_base,
			 sizeof(m->time_base));
	m->git_rev = GIT_REV;
}

void meta_json(struct json *j, const struct bench_meta *m)
{
	json_begin(j, "meta");
	json_str(j, "kernel", m->kernel);
	json_str(j, "config_sha256", m->config_sha256);
	json_str(j, "cpu_model", m->cpu_model);
	json_u64(j, "nproc", m->nproc);
	json_str(j, "where", m->where);
	json_str(j, "accelerator", m->accelerator);
	json_str(j, "time_base", m->time_base);
	json_bool(j, "hypervisor", m->hypervisor);
	json_bool(j, "relay_map", m->relay_map);
	json_str(j, "git_rev", m->git_rev);
	json_dbl_digits(j, "started_unix_s", m->started_unix_s, 16);
	json_end(j);
}
