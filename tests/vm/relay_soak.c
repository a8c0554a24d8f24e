// SPDX-License-Identifier: GPL-2.0
/*
 * relay_soak [--seconds N]: a soak of BPF_MAP_TYPE_RELAY, run as root in the
 * debug-kernel VM by tests/vm/soak.sh.  For N seconds (default 600):
 *  - a task writer on every CPU fills an overwrite map at full rate;
 *  - a reader attaches to its files, maps and reads them, and detaches,
 *    again and again; every mapped snapshot must hold whole records;
 *  - a churner creates maps, opens and maps their files, frees the maps
 *    while the files are open (every tenth one full of data), then checks
 *    and closes the files.
 * Before and after (everything freed, KASAN's quarantine flushed, caches
 * dropped), it compares /proc/slabinfo and /proc/vmallocinfo: no cache and
 * no count of vmalloc areas may grow by half the maps churned (512 at
 * least) or more, and
 * no relay buffer may remain.  Two caches are left out of the slab
 * comparison: vmap_area (vunmap() frees areas lazily, in batches, so they
 * pile up for a while; the vmallocinfo counts cover them) and kmemleak's
 * own metadata, which follows every other cache.  kmemleak itself is
 * scanned by scripts/vm.sh after the run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "relay_parse.h"
#include "relay_test.skel.h"
#include "vmtest.h"

#define DEBUGFS		"/sys/kernel/debug"
#define PAGE		4096
#define MAX_CPUS	8
#define MAX_CACHES	512
#define PAYLOAD		48

struct slab_count {
	char name[64];
	long long active;
};

struct snapshot {
	struct slab_count caches[MAX_CACHES];
	int n;
	long long slab_kb;
	int relay_vmaps;
	int vmaps;
};

static volatile bool stop;
static int ncpus, failures;
static unsigned long long reader_cycles, churn_cycles, churn_with_data;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
	va_list ap;

	__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "relay_soak: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok;
}

/* ---- before/after accounting ---- */

/* Lets deferred frees run, then empties KASAN's quarantine (a cache
 * shrink does) and the dentry and inode caches. */
static void settle(void)
{
	struct dirent *de;
	char path[512];
	DIR *d;

	sleep(3);
	d = opendir("/sys/kernel/slab");
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", de->d_name);
		write_file(path, "1");
	}
	if (d)
		closedir(d);
	sync();
	write_file("/proc/sys/vm/drop_caches", "3");
	sleep(1);
}

static int take_snapshot(struct snapshot *s)
{
	char line[512];
	FILE *f;

	memset(s, 0, sizeof(*s));
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && s->n < MAX_CACHES) {
		struct slab_count *c = &s->caches[s->n];

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %lld", c->name, &c->active) == 2)
			s->n++;
	}
	fclose(f);
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "Slab: %lld kB", &s->slab_kb);
	if (f)
		fclose(f);
	f = fopen("/proc/vmallocinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		s->relay_vmaps += strstr(line, "relay_alloc_buf") != NULL;
		s->vmaps++;
	}
	fclose(f);
	return 0;
}

static long long active_in(const struct snapshot *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->caches[i].name, name))
			return s->caches[i].active;
	return 0;
}

/* Prints the caches that grew most; fails any that grew by limit or more. */
static void compare(const struct snapshot *before, const struct snapshot *after,
		    long long limit)
{
	long long top[5] = {}, growth;
	int top_idx[5] = { -1, -1, -1, -1, -1 };
	int i, j, k;

	for (i = 0; i < after->n; i++) {
		const char *name = after->caches[i].name;

		if (!strcmp(name, "vmap_area") || !strncmp(name, "kmemleak_", 9))
			continue;
		growth = after->caches[i].active - active_in(before, name);
		if (growth >= limit)
			fail("slab cache %s grew by %lld objects (limit %lld)",
			     after->caches[i].name, growth, limit);
		for (j = 0; j < 5; j++) {
			if (top_idx[j] >= 0 && growth <= top[j])
				continue;
			for (k = 4; k > j; k--) {
				top[k] = top[k - 1];
				top_idx[k] = top_idx[k - 1];
			}
			top[j] = growth;
			top_idx[j] = i;
			break;
		}
	}
	printf("relay_soak: slab %lld kB before, %lld kB after; largest growths:",
	       before->slab_kb, after->slab_kb);
	for (j = 0; j < 5 && top_idx[j] >= 0; j++)
		printf(" %s %+lld", after->caches[top_idx[j]].name, top[j]);
	printf("\nrelay_soak: vmalloc areas %d before, %d after; relay buffers %d before, %d after\n",
	       before->vmaps, after->vmaps, before->relay_vmaps,
	       after->relay_vmaps);
	if (after->vmaps - before->vmaps >= limit)
		fail("vmalloc areas grew by %d (limit %lld)",
		     after->vmaps - before->vmaps, limit);
	if (after->relay_vmaps != before->relay_vmaps)
		fail("relay buffers left behind: %d before, %d after",
		     before->relay_vmaps, after->relay_vmaps);
}

/* ---- producer: a task writer per CPU into one overwrite map ---- */

static struct relay_test_bpf *load_writer(__u32 subbuf, __u32 n_subbufs,
					  __u32 batch, const char *dir)
{
	struct relay_test_bpf *skel = relay_test_bpf__open();
	char value[64] = {};

	if (!skel)
		return NULL;
	bpf_map__set_max_entries(skel->maps.rt_relay, subbuf);
	bpf_map__set_map_extra(skel->maps.rt_relay, n_subbufs);
	bpf_map__set_map_flags(skel->maps.rt_relay, BPF_F_OVERWRITE);
	skel->rodata->payload_len = PAYLOAD;
	skel->rodata->batch = batch;
	bpf_program__set_autoload(skel->progs.rt_sys_enter_raw, false);
	bpf_program__set_autoload(skel->progs.rt_nmi, false);
	bpf_program__set_autoload(skel->progs.rt_cpu_clock, false);
	if (relay_test_bpf__load(skel))
		goto err;
	skel->bss->target_tgid = getpid();
	snprintf(value, sizeof(value), "%s", dir);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.rt_relay), NULL, value, BPF_ANY))
		goto err;
	if (relay_test_bpf__attach(skel))
		goto err;
	return skel;
err:
	fail("cannot set up a writer on %s: %s", dir, strerror(errno));
	relay_test_bpf__destroy(skel);
	return NULL;
}

static void *writer_thread(void *arg)
{
	pin_to_cpu((int)(long)arg);
	while (!stop)
		syscall(SYS_getpgid, 0);
	return NULL;
}

/* ---- reader: attach, map, read, detach ---- */

static void check_snapshot(const void *map, size_t subbuf, size_t n,
			   const char *what)
{
	struct rt_recs recs = {};

	rt_parse_mmap(map, subbuf, n, &recs);
	if (recs.torn || recs.framing)
		fail("%s: %llu torn, %llu framing errors in %zu records", what,
		     (unsigned long long)recs.torn,
		     (unsigned long long)recs.framing, recs.n);
	rt_recs_free(&recs);
}

static void *reader_thread(void *arg)
{
	static char buf[65536];
	size_t len = 8 * 4 * PAGE;
	char path[128];
	int cpu = 0;

	(void)arg;
	while (!stop) {
		struct pollfd pfd;
		void *map;
		int fd;

		snprintf(path, sizeof(path), DEBUGFS "/rt_soak/rt_relay%d", cpu);
		cpu = (cpu + 1) % ncpus;
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			fail("reader: open %s: %s", path, strerror(errno));
			break;
		}
		map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			fail("reader: mmap: %s", strerror(errno));
		} else {
			check_snapshot(map, 4 * PAGE, 8, "reader snapshot");
			munmap(map, len);
		}
		/* read() races the writer: only its framing is not checked */
		if (read(fd, buf, sizeof(buf)) < 0)
			fail("reader: read: %s", strerror(errno));
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 0) < 0 || (pfd.revents & POLLERR))
			fail("reader: poll revents %#x on a live map", pfd.revents);
		close(fd);
		__atomic_add_fetch(&reader_cycles, 1, __ATOMIC_RELAXED);
		usleep(5000);
	}
	return NULL;
}

/* ---- churner: maps freed while their files are open ---- */

static bool fresh(const unsigned char *p, size_t len, int cpu)
{
	const struct bpf_relay_subbuf_hdr *h = (const void *)p;
	size_t i;

	if (h->seq != 1 || h->committed || h->cpu != (__u32)cpu ||
	    h->type != BPF_RELAY_HDR_SUBBUF)
		return false;
	for (i = sizeof(*h); i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* A map nobody writes to, freed while every CPU's file is open. */
static void churn_bare(unsigned long long round)
{
	__u32 subbuf = PAGE * (1 + round % 4), n = 2 + round % 7;
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_extra = n,
		    .map_flags = round % 2 ? BPF_F_OVERWRITE : 0);
	int fds[MAX_CPUS], fd, cpu;
	char dir[64] = {}, path[128];
	void *maps[MAX_CPUS];
	size_t len = (size_t)subbuf * n;

	fd = bpf_map_create(BPF_MAP_TYPE_RELAY, "churn", 0, 64, subbuf, &opts);
	if (fd < 0) {
		fail("churn: create: %s", strerror(errno));
		return;
	}
	/* A refused dirname first: it must not use up the map's one update. */
	if (bpf_map_update_elem(fd, NULL, dir, BPF_ANY) != -EINVAL)
		fail("churn: empty dirname accepted");
	snprintf(dir, sizeof(dir), "rt_churn%llu", round);
	if (bpf_map_update_elem(fd, NULL, dir, BPF_ANY)) {
		fail("churn: update %s: %s", dir, strerror(errno));
		close(fd);
		return;
	}
	for (cpu = 0; cpu < ncpus; cpu++) {
		snprintf(path, sizeof(path), DEBUGFS "/%s/churn%d", dir, cpu);
		fds[cpu] = open(path, O_RDONLY);
		maps[cpu] = fds[cpu] < 0 ? MAP_FAILED :
			    mmap(NULL, len, PROT_READ, MAP_SHARED, fds[cpu], 0);
		if (maps[cpu] == MAP_FAILED)
			fail("churn: open/mmap %s: %s", path, strerror(errno));
	}
	close(fd);
	if (!wait_debugfs_gone(dir))
		fail("churn: %s outlived its map", dir);
	for (cpu = 0; cpu < ncpus; cpu++) {
		if (maps[cpu] != MAP_FAILED) {
			if (!fresh(maps[cpu], len, cpu))
				fail("churn: cpu %d buffer is not what relay_open left", cpu);
			munmap(maps[cpu], len);
		}
		if (fds[cpu] < 0)
			continue;
		if (!wait_pollerr(fds[cpu]))
			fail("churn: no POLLERR after the free");
		close(fds[cpu]);
	}
}

/* A map full of records, freed while its files are open and mapped. */
static void churn_with_writer(unsigned long long round)
{
	struct relay_test_bpf *skel;
	char dir[64], path[128];
	size_t len = 4 * PAGE;
	int fds[MAX_CPUS], cpu;
	void *maps[MAX_CPUS];

	snprintf(dir, sizeof(dir), "rt_churnw%llu", round);
	skel = load_writer(PAGE, 4, 1, dir);
	if (!skel)
		return;
	usleep(200000);		/* the writers fill it meanwhile */
	for (cpu = 0; cpu < ncpus; cpu++) {
		snprintf(path, sizeof(path), DEBUGFS "/%s/rt_relay%d", dir, cpu);
		fds[cpu] = open(path, O_RDONLY);
		maps[cpu] = fds[cpu] < 0 ? MAP_FAILED :
			    mmap(NULL, len, PROT_READ, MAP_SHARED, fds[cpu], 0);
		if (maps[cpu] == MAP_FAILED)
			fail("churn: open/mmap %s: %s", path, strerror(errno));
	}
	relay_test_bpf__destroy(skel);
	if (!wait_debugfs_gone(dir))
		fail("churn: %s outlived its map", dir);
	for (cpu = 0; cpu < ncpus; cpu++) {
		char buf[4096];

		if (maps[cpu] != MAP_FAILED) {
			check_snapshot(maps[cpu], PAGE, 4, "freed map snapshot");
			munmap(maps[cpu], len);
		}
		if (fds[cpu] < 0)
			continue;
		while (read(fds[cpu], buf, sizeof(buf)) > 0)
			;
		close(fds[cpu]);
	}
	churn_with_data++;
}

static void *churn_thread(void *arg)
{
	unsigned long long round = 0;

	(void)arg;
	while (!stop) {
		if (round % 10 == 9)
			churn_with_writer(round);
		else
			churn_bare(round);
		round++;
		__atomic_store_n(&churn_cycles, round, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Producer totals from the stats file: written and overwritten. */
static void read_totals(const char *dir, unsigned long long *written,
			unsigned long long *dropped, unsigned long long *overwritten)
{
	unsigned long long w, d, o, b;
	char path[128], line[256];
	int cpu;
	FILE *f;

	*written = *dropped = *overwritten = 0;
	snprintf(path, sizeof(path), DEBUGFS "/%s/stats", dir);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%d %llu %llu %llu %llu", &cpu, &w, &d, &o, &b) == 5) {
			*written += w;
			*dropped += d;
			*overwritten += o;
		}
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	static struct snapshot before, after;
	unsigned long long written, dropped, overwritten;
	pthread_t writers[MAX_CPUS], reader, churner;
	struct relay_test_bpf *skel;
	double seconds = 600, t0, elapsed;
	char *end;
	int cpu;

	if (argc == 3 && !strcmp(argv[1], "--seconds")) {
		seconds = strtod(argv[2], &end);
		if (*end || !(seconds > 0)) {
			fprintf(stderr, "relay_soak: bad duration: %s\n", argv[2]);
			return 2;
		}
	} else if (argc != 1) {
		fprintf(stderr, "usage: relay_soak [--seconds N]\n");
		return 2;
	}
	if (geteuid() != 0 || access(DEBUGFS "/", W_OK)) {
		fprintf(stderr, "relay_soak: needs root and debugfs\n");
		return 1;
	}
	ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus > MAX_CPUS)
		ncpus = MAX_CPUS;
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Warm up once, so that one-time allocations land before "before". */
	churn_bare(1000000);
	settle();
	if (take_snapshot(&before)) {
		fprintf(stderr, "relay_soak: no /proc/slabinfo or /proc/vmallocinfo (needs CONFIG_SLUB_DEBUG)\n");
		return 1;
	}

	skel = load_writer(4 * PAGE, 8, 16, "rt_soak");
	if (!skel)
		return 1;
	t0 = now();
	for (cpu = 0; cpu < ncpus; cpu++)
		pthread_create(&writers[cpu], NULL, writer_thread, (void *)(long)cpu);
	pthread_create(&reader, NULL, reader_thread, NULL);
	pthread_create(&churner, NULL, churn_thread, NULL);
	while (now() - t0 < seconds && !failures)
		usleep(100000);
	stop = true;
	for (cpu = 0; cpu < ncpus; cpu++)
		pthread_join(writers[cpu], NULL);
	pthread_join(reader, NULL);
	pthread_join(churner, NULL);
	elapsed = now() - t0;

	read_totals("rt_soak", &written, &dropped, &overwritten);
	printf("relay_soak: %.0f s: %llu records written (%.0f/s), %llu dropped, %llu sub-buffers overwritten\n",
	       elapsed, written, written / elapsed, dropped, overwritten);
	printf("relay_soak: %llu reader attach cycles, %llu maps freed with open files (%llu full of records)\n",
	       reader_cycles, churn_cycles, churn_with_data);
	if (!written || !overwritten)
		fail("the writers never overwrote (written %llu)", written);
	if (dropped)
		fail("%llu writes refused in overwrite mode", dropped);
	relay_test_bpf__destroy(skel);
	if (!wait_debugfs_gone("rt_soak"))
		fail("rt_soak outlived its map");

	settle();
	if (take_snapshot(&after)) {
		fail("cannot read the slab counts again");
	} else {
		/*
		 * A leak of one object per freed map shows as churn_cycles.
		 * The floor is above the noise of the guest's 9p root and
		 * seq_file buffers: up to ~250 kmalloc-8 objects in a minute.
		 */
		compare(&before, &after, churn_cycles / 2 > 512 ? churn_cycles / 2 : 512);
	}
	printf("relay_soak: %d failures\n", failures);
	return failures ? 1 : 0;
}
