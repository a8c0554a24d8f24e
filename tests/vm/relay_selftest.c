// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests of BPF_MAP_TYPE_RELAY, run as root inside the patched-kernel
 * VM (tests/vm/run.sh).  Each test prints "ok"/"not ok"; the last line is
 * "N passed, N failed, N skipped" and the exit status is 1 on any failure.
 */
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "relay_parse.h"
#include "relay_test.skel.h"
#include "relay_bad.skel.h"
#include "relay_kfunc.skel.h"
#include "vmtest.h"
#include "selftest.h"

#define DEBUGFS "/sys/kernel/debug"
#define PAGE 4096

/* Framed size of one test record with the default 48-byte payload. */
#define REC_PAYLOAD 48
#define REC_FRAMED (8 + sizeof(struct relay_test_rec) + REC_PAYLOAD)

/* ---- small helpers ---- */

static int relay_create(const char *name, __u32 value_size, __u32 subbuf,
			__u64 n_subbufs, __u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags,
		    .map_extra = n_subbufs);

	return bpf_map_create(BPF_MAP_TYPE_RELAY, name, 0, value_size, subbuf,
			      &opts);
}

static int set_dir(int fd, const char *dir, __u32 value_size)
{
	char value[256] = {};

	strncpy(value, dir, sizeof(value) - 1);
	if (value_size > sizeof(value))
		return -EINVAL;
	return bpf_map_update_elem(fd, NULL, value, BPF_ANY) ? -errno : 0;
}

static bool path_exists(const char *fmt, ...)
{
	char path[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return access(path, F_OK) == 0;
}

static ssize_t read_all(const char *path, uint8_t **out)
{
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = malloc(cap);
	ssize_t n = -1;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || !buf)
		goto out;
	for (;;) {
		if (len == cap) {
			uint8_t *bigger = realloc(buf, cap * 2);

			if (!bigger)
				goto out;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n <= 0)
			break;
		len += n;
	}
	if (n == 0) {
		*out = buf;
		buf = NULL;
		n = (ssize_t)len;
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return n;
}

struct relay_stats {
	unsigned long long written, dropped, overwritten, bytes;
};

/* Reads <dir>/stats; returns the number of CPU lines, -1 on bad format. */
static int read_stats(const char *dir, struct relay_stats *st, int max)
{
	char path[256], line[256];
	int cpu, n = 0;
	FILE *f;

	snprintf(path, sizeof(path), DEBUGFS "/%s/stats", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f) ||
	    strcmp(line, "cpu written dropped overwritten bytes\n")) {
		fclose(f);
		return -1;
	}
	while (n < max && fgets(line, sizeof(line), f)) {
		struct relay_stats s;

		if (sscanf(line, "%d %llu %llu %llu %llu", &cpu, &s.written,
			   &s.dropped, &s.overwritten, &s.bytes) != 5 || cpu != n)
			break;
		st[n++] = s;
	}
	fclose(f);
	return n;
}

/* Sums the BPF-side outcome counters of one source on one CPU. */
static int read_counts(struct relay_test_bpf *skel, int src, int cpu,
		       struct relay_test_counts *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct relay_test_counts *all = calloc(ncpu, sizeof(*all));
	__u32 key = src;
	int err;

	if (!all)
		return -ENOMEM;
	err = bpf_map_lookup_elem(bpf_map__fd(skel->maps.rt_counts), &key, all);
	if (!err)
		*out = all[cpu];
	free(all);
	return err;
}

struct producer_opts {
	__u32 subbuf;
	__u32 n_subbufs;
	__u32 flags;
	__u32 batch;
	bool raw_tp;
	bool irq_writers;
	bool slow_switch;	/* kprobe that stretches sub-buffer switches */
};

/* Opens and loads the test programs with a given relay geometry. */
static struct relay_test_bpf *load_producer(const struct producer_opts *o)
{
	struct relay_test_bpf *skel = relay_test_bpf__open();

	if (!skel)
		return NULL;
	bpf_map__set_max_entries(skel->maps.rt_relay, o->subbuf);
	bpf_map__set_map_extra(skel->maps.rt_relay, o->n_subbufs);
	bpf_map__set_map_flags(skel->maps.rt_relay, o->flags);
	skel->rodata->payload_len = REC_PAYLOAD;
	skel->rodata->batch = o->batch ? o->batch : 1;
	bpf_program__set_autoload(skel->progs.rt_getpgid_tp, !o->raw_tp);
	bpf_program__set_autoload(skel->progs.rt_sys_enter_raw, o->raw_tp);
	bpf_program__set_autoload(skel->progs.rt_nmi, o->irq_writers);
	bpf_program__set_autoload(skel->progs.rt_cpu_clock, o->irq_writers);
	bpf_program__set_autoload(skel->progs.rt_slow_switch, o->slow_switch);
	if (relay_test_bpf__load(skel)) {
		relay_test_bpf__destroy(skel);
		return NULL;
	}
	skel->bss->target_tgid = getpid();
	return skel;
}

static int attach_syscall_writer(struct relay_test_bpf *skel, bool raw_tp)
{
	struct bpf_program *prog = raw_tp ? skel->progs.rt_sys_enter_raw :
					    skel->progs.rt_getpgid_tp;
	struct bpf_link *link = bpf_program__attach(prog);

	if (!link)
		return -errno;
	if (raw_tp)
		skel->links.rt_sys_enter_raw = link;
	else
		skel->links.rt_getpgid_tp = link;
	return 0;
}

/* Loads the producer, gives its map a directory, attaches the task writer. */
static struct relay_test_bpf *start_producer(const struct producer_opts *o,
					     const char *dir)
{
	struct relay_test_bpf *skel = load_producer(o);

	if (!CHECK(skel, "load: %s", strerror(errno)))
		return NULL;
	CHECK(set_dir(bpf_map__fd(skel->maps.rt_relay), dir, 64) == 0,
	      "update %s", dir);
	CHECK(attach_syscall_writer(skel, o->raw_tp) == 0, "attach");
	return skel;
}

/* ---- tests ---- */

static int repeat_count(int dflt);

static int test_create_update_files(void)
{
	char file[256], value[64];
	int fd, fd2 = -1, ffd = -1, cpu;
	struct relay_stats st[8];
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	void *map = MAP_FAILED;
	struct stat sb;

	fd = relay_create("rtfiles", 64, PAGE, 4, 0);
	if (!CHECK(fd >= 0, "create: %s", strerror(errno)))
		return TEST_FAIL;
	CHECK(!bpf_map_get_info_by_fd(fd, &info, &info_len) &&
	      info.type == BPF_MAP_TYPE_RELAY && info.max_entries == PAGE &&
	      info.map_extra == 4, "map info type %u", info.type);

	CHECK(set_dir(fd, "rt_files", 64) == 0, "first update");
	for (cpu = 0; cpu < libbpf_num_possible_cpus(); cpu++) {
		snprintf(file, sizeof(file), DEBUGFS "/rt_files/rtfiles%d", cpu);
		CHECK(stat(file, &sb) == 0 && S_ISREG(sb.st_mode) &&
		      (sb.st_mode & 0777) == 0600, "%s mode %o", file,
		      sb.st_mode & 0777);
	}
	CHECK(!path_exists(DEBUGFS "/rt_files/rtfiles%d",
			   libbpf_num_possible_cpus()),
	      "one file per possible CPU, no more");
	CHECK(read_stats("rt_files", st, 8) == online_cpus(), "stats lines");
	CHECK(st[0].written == 0 && st[0].dropped == 0, "fresh stats");

	CHECK(set_dir(fd, "rt_files2", 64) == -EBUSY, "second update");
	CHECK(!path_exists(DEBUGFS "/rt_files2"), "no second dir");
	errno = 0;
	CHECK(bpf_map_lookup_elem(fd, NULL, value) && errno == EOPNOTSUPP,
	      "lookup: %s", strerror(errno));
	errno = 0;
	CHECK(bpf_map_delete_elem(fd, NULL) && errno == EOPNOTSUPP,
	      "delete: %s", strerror(errno));
	errno = 0;
	CHECK(bpf_map_get_next_key(fd, NULL, value) && errno == EOPNOTSUPP,
	      "get_next_key: %s", strerror(errno));

	fd2 = relay_create("rtfiles", 64, PAGE, 4, 0);
	CHECK(fd2 >= 0 && set_dir(fd2, "rt_files", 64) == -EEXIST,
	      "same dir twice");

	/* A fresh buffer maps whole, starting with the first header. */
	snprintf(file, sizeof(file), DEBUGFS "/rt_files/rtfiles0");
	ffd = open(file, O_RDONLY);
	CHECK(ffd >= 0, "open %s", file);
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ffd, 0) == MAP_FAILED &&
	      errno == EINVAL, "partial mmap refused");
	map = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, ffd, 0);
	if (CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno))) {
		const struct bpf_relay_subbuf_hdr *h = map;

		CHECK(h->type == BPF_RELAY_HDR_SUBBUF && h->len == sizeof(*h) &&
		      h->seq == 1 && h->committed == 0 && h->cpu == 0,
		      "first header type %u seq %llu", h->type,
		      (unsigned long long)h->seq);
		CHECK(mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			   ffd, 0) == MAP_FAILED, "writable mapping refused");
		munmap(map, 4 * PAGE);
	}
	if (ffd >= 0)
		close(ffd);
	if (fd2 >= 0)
		close(fd2);
	close(fd);
	CHECK(wait_debugfs_gone("rt_files"), "dir removed with the map");
	return TEST_PASS;
}

struct attr_case {
	const char *what;
	__u32 key_size, value_size, max_entries;
	__u64 map_extra;
	__u32 flags;
	int err;
};

static int test_bad_attributes(void)
{
	static const struct attr_case cases[] = {
		{ "key_size 4", 4, 64, PAGE, 0, 0, EINVAL },
		{ "value_size 1", 0, 1, PAGE, 0, 0, EINVAL },
		{ "value_size 257", 0, 257, PAGE, 0, 0, EINVAL },
		{ "max_entries 0", 0, 64, 0, 0, 0, EINVAL },
		{ "max_entries 100", 0, 64, 100, 0, 0, EINVAL },
		{ "max_entries page+1", 0, 64, PAGE + 1, 0, 0, EINVAL },
		{ "max_entries 64MiB+page", 0, 64, (64 << 20) + PAGE, 2, 0, EINVAL },
		{ "map_extra 1", 0, 64, PAGE, 1, 0, EINVAL },
		{ "map_extra 1025", 0, 64, PAGE, 1025, 0, EINVAL },
		{ "map_extra 2^32+8", 0, 64, PAGE, (1ULL << 32) + 8, 0, EINVAL },
		{ "flag NO_PREALLOC", 0, 64, PAGE, 0, BPF_F_NO_PREALLOC, EINVAL },
		{ "flag RDONLY", 0, 64, PAGE, 0, BPF_F_RDONLY, EINVAL },
		{ "flag MMAPABLE", 0, 64, PAGE, 0, BPF_F_MMAPABLE, EINVAL },
		{ "flag bit 20", 0, 64, PAGE, 0, 1U << 20, EINVAL },
		{ "value_size 2", 0, 2, PAGE, 0, 0, 0 },
		{ "value_size 256", 0, 256, PAGE, 0, 0, 0 },
		{ "map_extra 2", 0, 64, PAGE, 2, 0, 0 },
		{ "map_extra 1024", 0, 64, PAGE, 1024, 0, 0 },
		{ "64MiB sub-buffers", 0, 64, 64 << 20, 2, 0, 0 },
		{ "64MiB x 4: 256 MiB per CPU, the most", 0, 64, 64 << 20, 4, 0, 0 },
		{ "64MiB x 5: over 256 MiB per CPU", 0, 64, 64 << 20, 5, 0, E2BIG },
		{ "1MiB x 1024: 1 GiB per CPU", 0, 64, 1 << 20, 1024, 0, E2BIG },
		{ "BPF_F_OVERWRITE", 0, 64, PAGE, 0, BPF_F_OVERWRITE, 0 },
		{ "BPF_F_RB_OVERWRITE", 0, 64, PAGE, 0, BPF_F_RB_OVERWRITE, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct attr_case *c = &cases[i];
		LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = c->flags,
			    .map_extra = c->map_extra);
		int fd, err;

		fd = bpf_map_create(BPF_MAP_TYPE_RELAY, "rtattr", c->key_size,
				    c->value_size, c->max_entries, &opts);
		err = fd < 0 ? errno : 0;
		CHECK(err == c->err, "%s: got %s, want %s", c->what,
		      strerror(err), strerror(c->err));
		if (fd >= 0)
			close(fd);
	}
	return TEST_PASS;
}

static int test_bad_dirnames(void)
{
	char value[16];
	__u32 key = 0;
	int fd;

	fd = relay_create("rtnames", sizeof(value), PAGE, 2, 0);
	if (!CHECK(fd >= 0, "create"))
		return TEST_FAIL;
	CHECK(set_dir(fd, "", 16) == -EINVAL, "empty name");
	CHECK(set_dir(fd, "a/b", 16) == -EINVAL, "slash");
	CHECK(set_dir(fd, "/abs", 16) == -EINVAL, "leading slash");
	CHECK(set_dir(fd, ".", 16) == -EINVAL, "dot");
	CHECK(set_dir(fd, "..", 16) == -EINVAL, "dot dot");
	memset(value, 'a', sizeof(value));
	CHECK(bpf_map_update_elem(fd, NULL, value, BPF_ANY) && errno == EINVAL,
	      "no NUL inside value_size");
	strcpy(value, "rt_names");
	CHECK(bpf_map_update_elem(fd, NULL, value, BPF_NOEXIST) &&
	      errno == EINVAL, "flags must be BPF_ANY");
	CHECK(bpf_map_update_elem(fd, &key, value, BPF_ANY) && errno == EINVAL,
	      "a key is refused");
	/* None of the refusals used up the one directory a map gets. */
	CHECK(set_dir(fd, "rt_names", 16) == 0, "valid name after refusals");
	CHECK(path_exists(DEBUGFS "/rt_names/rtnames0"), "files created");
	close(fd);
	CHECK(wait_debugfs_gone("rt_names"), "dir removed");
	return TEST_PASS;
}

/*
 * A map gives its directory's name back when its last user reference goes,
 * not when the deferred free runs: a new map takes the name at once, every
 * time.  A file of the old map that is still open keeps working, and hangs
 * up once the old map is freed.
 */
static int test_name_reused_at_once(void)
{
	int i, fd, err, taken = 0, ffd = -1;
	struct bpf_relay_subbuf_hdr hdr = {};
	struct pollfd pfd;

	for (i = 0; i < 200; i++) {
		fd = relay_create("rtreuse", 64, PAGE, 2, 0);
		if (!CHECK(fd >= 0, "create %d: %s", i, strerror(errno)))
			break;
		err = set_dir(fd, "rt_reuse", 64);
		taken += err != 0;
		if (i == 0 && !err)
			ffd = open(DEBUGFS "/rt_reuse/rtreuse0", O_RDONLY);
		close(fd);
	}
	CHECK(taken == 0, "%d of 200 updates found the name still taken",
	      taken);
	CHECK(!path_exists(DEBUGFS "/rt_reuse"), "name free after the close");
	if (CHECK(ffd >= 0, "the first map's file opened")) {
		/* nothing was written: the first header and no record */
		CHECK(read(ffd, &hdr, sizeof(hdr)) == sizeof(hdr) &&
		      hdr.seq == 1 && hdr.committed == 0,
		      "the first map's file still reads (seq %llu committed %u)",
		      (unsigned long long)hdr.seq, hdr.committed);
		pfd = (struct pollfd){ .fd = ffd, .events = POLLIN };
		CHECK(poll(&pfd, 1, 10000) == 1 && (pfd.revents & POLLHUP),
		      "the first map's file hangs up at its free");
		close(ffd);
	}
	return TEST_PASS;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * An update that fails part way leaves no directory and can be retried.
 * The fault injector's fail-nth fails the update's allocations one by
 * one, with the reclaim-capable ones included (ignore-gfp-wait off).
 */
static int test_update_rolls_back(void)
{
	const char *nth = "/proc/thread-self/fail-nth";
	int n, fd, nfd, err, failed = 0, injected;
	char num[16];
	ssize_t len;

	if (access(nth, W_OK) ||
	    write_str(DEBUGFS "/failslab/ignore-gfp-wait", "N") ||
	    write_str(DEBUGFS "/failslab/verbose", "0")) {
		skip("no failslab with fail-nth (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)");
		return TEST_SKIP;
	}
	for (n = 1; n <= 1000; n++) {
		fd = relay_create("rtroll", 64, PAGE, 2, 0);
		if (!CHECK(fd >= 0, "create: %s", strerror(errno)))
			return TEST_FAIL;
		nfd = open(nth, O_RDWR);
		if (!CHECK(nfd >= 0, "open %s", nth)) {
			close(fd);
			return TEST_FAIL;
		}
		snprintf(num, sizeof(num), "%d", n);
		CHECK(write(nfd, num, strlen(num)) > 0, "arm fail-nth %d", n);
		err = set_dir(fd, "rt_roll", 64);
		/* fail-nth reads 0 once its fault was injected */
		len = pread(nfd, num, sizeof(num) - 1, 0);
		num[len > 0 ? len : 0] = '\0';
		injected = len > 0 && atoi(num) == 0;
		CHECK(write(nfd, "0", 1) == 1, "disarm fail-nth");
		close(nfd);
		if (err) {
			failed++;
			CHECK(!path_exists(DEBUGFS "/rt_roll"),
			      "failing allocation %d (%s): no directory left",
			      n, strerror(-err));
			CHECK(set_dir(fd, "rt_roll", 64) == 0 &&
			      path_exists(DEBUGFS "/rt_roll/rtroll0"),
			      "failing allocation %d: the retry succeeds", n);
		}
		close(fd);
		if (!err && !injected)
			break;	/* the update made fewer than n allocations */
	}
	write_str(DEBUGFS "/failslab/ignore-gfp-wait", "Y");
	CHECK(failed > 0 && n <= 1000,
	      "%d of the update's %d allocations failed it", failed, n - 1);
	return TEST_PASS;
}

struct race_arg {
	int fd;
	int idx;
	pthread_barrier_t *barrier;
	int result;
};

static void *race_update(void *p)
{
	struct race_arg *a = p;
	char name[32];

	snprintf(name, sizeof(name), "rt_race%d", a->idx);
	pthread_barrier_wait(a->barrier);
	a->result = set_dir(a->fd, name, 32);
	return NULL;
}

static int test_concurrent_updates(void)
{
	enum { N = 8 };
	struct race_arg args[N];
	pthread_t threads[N];
	pthread_barrier_t barrier;
	int fd, i, winners = 0, busy = 0, dirs = 0;

	fd = relay_create("rtrace", 32, PAGE, 2, 0);
	if (!CHECK(fd >= 0, "create"))
		return TEST_FAIL;
	pthread_barrier_init(&barrier, NULL, N);
	for (i = 0; i < N; i++) {
		args[i] = (struct race_arg){ fd, i, &barrier, 0 };
		pthread_create(&threads[i], NULL, race_update, &args[i]);
	}
	for (i = 0; i < N; i++) {
		pthread_join(threads[i], NULL);
		winners += args[i].result == 0;
		busy += args[i].result == -EBUSY;
		dirs += path_exists(DEBUGFS "/rt_race%d", i);
	}
	pthread_barrier_destroy(&barrier);
	CHECK(winners == 1 && busy == N - 1, "winners %d busy %d", winners, busy);
	CHECK(dirs == 1, "%d directories", dirs);
	close(fd);
	for (i = 0; i < N; i++) {
		char dir[32];

		snprintf(dir, sizeof(dir), "rt_race%d", i);
		CHECK(wait_debugfs_gone(dir), "%s removed", dir);
	}
	return TEST_PASS;
}

static void check_run(const struct rt_recs *r, int cpu, uint64_t first,
		      uint64_t last, const char *what)
{
	uint64_t f, l, gaps;
	int ordered;
	size_t n = rt_count(r, cpu, RT_SRC_SYSCALL, &f, &l, &ordered, &gaps);

	CHECK(r->torn == 0 && r->framing == 0, "%s: torn %llu framing %llu",
	      what, (unsigned long long)r->torn,
	      (unsigned long long)r->framing);
	CHECK(n == last - first + 1 && f == first && l == last && ordered &&
	      gaps == 0, "%s: %zu records %llu..%llu, want %llu..%llu", what,
	      n, (unsigned long long)f, (unsigned long long)l,
	      (unsigned long long)first, (unsigned long long)last);
}

static int test_read_mmap_cat_poll(void)
{
	const struct producer_opts o = { .subbuf = PAGE, .n_subbufs = 4 };
	const char *path = DEBUGFS "/rt_io/rt_relay0";
	struct relay_test_bpf *skel;
	struct relay_test_counts c;
	struct rt_recs recs = {};
	struct relay_stats st[8];
	struct pollfd pfd;
	uint8_t *data = NULL;
	ssize_t len;
	void *map;
	int fd;

	skel = start_producer(&o, "rt_io");
	if (!skel)
		return TEST_FAIL;
	pin_to_cpu(0);

	trigger(20);
	len = read_all(path, &data);
	CHECK(len > 0, "read()");
	rt_parse_stream(data, len > 0 ? len : 0, &recs);
	check_run(&recs, 0, 0, 19, "read()");
	free(data);
	data = NULL;
	rt_recs_reset(&recs);

	trigger(100);
	CHECK(system("cat " DEBUGFS "/rt_io/rt_relay0 > /tmp/rt_cat.out") == 0,
	      "cat");
	len = read_all("/tmp/rt_cat.out", &data);
	rt_parse_stream(data, len > 0 ? len : 0, &recs);
	check_run(&recs, 0, 20, 119, "cat");
	free(data);
	rt_recs_reset(&recs);

	fd = open(path, O_RDONLY);
	map = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (CHECK(map != MAP_FAILED, "mmap")) {
		/* The mapping shows everything, whatever read() consumed. */
		rt_parse_mmap(map, PAGE, 4, &recs);
		check_run(&recs, 0, 0, 119, "mmap");
		CHECK(recs.raced == 0, "raced %llu",
		      (unsigned long long)recs.raced);
		munmap(map, 4 * PAGE);
	}
	rt_recs_reset(&recs);

	/* poll() reports data once a whole sub-buffer is ready. */
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	CHECK(poll(&pfd, 1, 0) == 0, "nothing ready after reads");
	trigger(PAGE / REC_FRAMED + 1);
	CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN),
	      "POLLIN after a sub-buffer switch");
	close(fd);

	CHECK(read_counts(skel, RT_SRC_SYSCALL, 0, &c) == 0, "counts");
	CHECK(read_stats("rt_io", st, 8) >= 1, "stats");
	CHECK(st[0].written == c.ok && c.ok == c.attempts && st[0].dropped == 0,
	      "written %llu ok %llu", st[0].written,
	      (unsigned long long)c.ok);
	CHECK(st[0].bytes == c.ok * (sizeof(struct relay_test_rec) + REC_PAYLOAD),
	      "bytes %llu", st[0].bytes);
	unpin();
	relay_test_bpf__destroy(skel);
	CHECK(wait_debugfs_gone("rt_io"), "dir removed");
	return TEST_PASS;
}

static int test_no_overwrite_keeps_oldest(void)
{
	const struct producer_opts o = { .subbuf = PAGE, .n_subbufs = 2 };
	const char *path = DEBUGFS "/rt_full/rt_relay0";
	const __u64 per_subbuf = (PAGE - sizeof(struct bpf_relay_subbuf_hdr)) /
				 REC_FRAMED;
	struct relay_test_bpf *skel;
	struct relay_test_counts c;
	struct rt_recs recs = {};
	struct relay_stats st[8];
	uint8_t *data = NULL;
	ssize_t len;

	skel = start_producer(&o, "rt_full");
	if (!skel)
		return TEST_FAIL;
	pin_to_cpu(0);
	trigger(500);

	CHECK(read_counts(skel, RT_SRC_SYSCALL, 0, &c) == 0, "counts");
	CHECK(c.attempts == 500 && c.ok == 2 * per_subbuf &&
	      c.enospc == 500 - c.ok && c.ebusy == 0 && c.other == 0,
	      "ok %llu enospc %llu, want ok %llu",
	      (unsigned long long)c.ok, (unsigned long long)c.enospc,
	      (unsigned long long)(2 * per_subbuf));
	CHECK(read_stats("rt_full", st, 8) >= 1 && st[0].written == c.ok &&
	      st[0].dropped == c.enospc && st[0].overwritten == 0,
	      "stats written %llu dropped %llu", st[0].written, st[0].dropped);

	len = read_all(path, &data);
	rt_parse_stream(data, len > 0 ? len : 0, &recs);
	check_run(&recs, 0, 0, c.ok - 1, "oldest records kept");
	CHECK(c.attempts == recs.n + st[0].dropped,
	      "produced %llu != read %zu + dropped %llu",
	      (unsigned long long)c.attempts, recs.n, st[0].dropped);
	free(data);
	rt_recs_reset(&recs);

	/* Reading freed the sub-buffers: writes succeed again. */
	trigger(10);
	CHECK(read_counts(skel, RT_SRC_SYSCALL, 0, &c) == 0 &&
	      c.ok == 2 * per_subbuf + 10, "writes resume after a read");
	unpin();
	relay_test_bpf__destroy(skel);
	CHECK(wait_debugfs_gone("rt_full"), "dir removed");
	return TEST_PASS;
}

static int test_overwrite_keeps_newest(void)
{
	const struct producer_opts o = {
		.subbuf = PAGE, .n_subbufs = 4, .flags = BPF_F_OVERWRITE,
	};
	const char *path = DEBUGFS "/rt_ovw/rt_relay0";
	const __u64 per_subbuf = (PAGE - sizeof(struct bpf_relay_subbuf_hdr)) /
				 REC_FRAMED;
	const long total = 2000;
	__u64 switches = (total + per_subbuf - 1) / per_subbuf - 1;
	struct relay_test_bpf *skel;
	struct relay_test_counts c;
	struct rt_recs recs = {};
	struct relay_stats st[8];
	uint64_t first, last, gaps;
	uint8_t *data = NULL;
	int ordered, fd;
	ssize_t len;
	size_t n;
	void *map;

	skel = start_producer(&o, "rt_ovw");
	if (!skel)
		return TEST_FAIL;
	pin_to_cpu(0);
	trigger(total);

	CHECK(read_counts(skel, RT_SRC_SYSCALL, 0, &c) == 0 &&
	      c.ok == (__u64)total && c.enospc == 0 && c.ebusy == 0,
	      "every write succeeds");
	CHECK(read_stats("rt_ovw", st, 8) >= 1 && st[0].written == c.ok &&
	      st[0].dropped == 0 && st[0].overwritten == switches - 4 + 1,
	      "overwritten %llu, want %llu", st[0].overwritten,
	      (unsigned long long)(switches - 3));

	fd = open(path, O_RDONLY);
	map = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (CHECK(map != MAP_FAILED, "mmap")) {
		rt_parse_mmap(map, PAGE, 4, &recs);
		n = rt_count(&recs, 0, RT_SRC_SYSCALL, &first, &last, &ordered,
			     &gaps);
		CHECK(recs.torn == 0 && recs.framing == 0 && recs.raced == 0,
		      "clean snapshot");
		CHECK(last == (uint64_t)total - 1 && ordered && gaps == 0 &&
		      n >= 3 * per_subbuf, "snapshot %zu records %llu..%llu",
		      n, (unsigned long long)first, (unsigned long long)last);
		munmap(map, 4 * PAGE);
	}
	close(fd);
	rt_recs_reset(&recs);

	len = read_all(path, &data);
	rt_parse_stream(data, len > 0 ? len : 0, &recs);
	n = rt_count(&recs, 0, RT_SRC_SYSCALL, &first, &last, &ordered, &gaps);
	CHECK(recs.torn == 0 && recs.framing == 0 && last == (uint64_t)total - 1 &&
	      ordered && gaps == 0 && n >= 3 * per_subbuf,
	      "read(): %zu records %llu..%llu", n, (unsigned long long)first,
	      (unsigned long long)last);
	free(data);
	rt_recs_reset(&recs);
	unpin();
	relay_test_bpf__destroy(skel);
	CHECK(wait_debugfs_gone("rt_ovw"), "dir removed");
	return TEST_PASS;
}

struct producer_arg {
	int cpu;
	long n;
	volatile bool *stop;
};

static void *producer_thread(void *p)
{
	struct producer_arg *a = p;

	pin_to_cpu(a->cpu);
	if (a->n > 0) {
		trigger(a->n);
	} else {
		while (!*a->stop)
			trigger(100);
	}
	return NULL;
}

/*
 * Reads everything read() has to give right now, appending to *buf, at
 * most chunk bytes per read() (0: as much as fits).
 */
static void drain_fd(int fd, uint8_t **buf, size_t *cap, size_t *len,
		     size_t chunk)
{
	ssize_t r;

	do {
		size_t want;

		if (*cap - *len < 65536) {
			*cap *= 2;
			*buf = realloc(*buf, *cap);
			if (!*buf)
				abort();
		}
		want = *cap - *len;
		if (chunk && chunk < want)
			want = chunk;
		r = read(fd, *buf + *len, want);
		if (r > 0)
			*len += r;
		else if (r < 0)
			CHECK(errno == EINVAL &&
			      want < sizeof(struct bpf_relay_subbuf_hdr) +
					     REC_FRAMED,
			      "read(%zu): %s", want, strerror(errno));
	} while (r > 0);
}

/*
 * 20000 writes into two one-page sub-buffers, read back with read() either
 * between bursts of 500 writes or while the producer runs on another CPU.
 * small_reads makes the reader poll without pause and stop in the middle
 * of sub-buffers all the time, with read() sizes that cycle through odd
 * values: it overlaps the writer's sub-buffer switches as often as it
 * can.  read() hands out whole records only, so 24 bytes, less than any
 * header or record, must fail with EINVAL.
 */
static int check_accounting_with_reader(bool concurrent, bool small_reads,
					bool slow_switch)
{
	static const size_t chunks[] = { 0, 1000, 24, 4096, 333 };
	unsigned int reads = 0;
	const struct producer_opts o = {
		.subbuf = PAGE, .n_subbufs = 2,
		.raw_tp = slow_switch, .slow_switch = slow_switch,
	};
	const int cpu = online_cpus() > 1 ? 1 : 0;
	struct producer_arg pa = { .cpu = cpu, .n = concurrent ? 20000 : 500 };
	struct relay_test_bpf *skel;
	struct relay_test_counts c;
	struct rt_recs recs = {};
	struct relay_stats st[8];
	uint64_t first, last, gaps;
	size_t cap = 1 << 20, len = 0;
	uint8_t *buf = malloc(cap);
	char path[128];
	pthread_t thr;
	int ordered, fd, round;
	size_t n;

	skel = start_producer(&o, "rt_live");
	if (!skel || !CHECK(buf, "allocate"))
		return TEST_FAIL;
	if (slow_switch) {
		skel->links.rt_slow_switch =
			bpf_program__attach(skel->progs.rt_slow_switch);
		CHECK(skel->links.rt_slow_switch, "attach kprobe: %s",
		      strerror(errno));
		skel->bss->switch_delay_loops = 20000;
	}
	snprintf(path, sizeof(path), DEBUGFS "/rt_live/rt_relay%d", cpu);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "open");
	if (concurrent) {
		/* Read while the producer runs, then drain what is left. */
		pthread_create(&thr, NULL, producer_thread, &pa);
		for (;;) {
			int done = pthread_tryjoin_np(thr, NULL) == 0;

			/* the drain after the producer ended takes the rest */
			drain_fd(fd, &buf, &cap, &len,
				 small_reads && !done ? chunks[reads++ % 5] : 0);
			if (done)
				break;
			if (!small_reads)
				usleep(200);
		}
	} else {
		for (round = 0; round < 40; round++) {
			pthread_create(&thr, NULL, producer_thread, &pa);
			pthread_join(thr, NULL);
			drain_fd(fd, &buf, &cap, &len, 0);
		}
	}
	close(fd);
	rt_parse_stream(buf, len, &recs);
	n = rt_count(&recs, cpu, RT_SRC_SYSCALL, &first, &last, &ordered, &gaps);

	CHECK(read_counts(skel, RT_SRC_SYSCALL, cpu, &c) == 0, "counts");
	CHECK(read_stats("rt_live", st, 8) > cpu, "stats");
	CHECK(recs.torn == 0 && recs.framing == 0 && ordered, "clean stream");
	CHECK(c.attempts == 20000 && n == c.ok && st[cpu].written == c.ok,
	      "read %zu ok %llu written %llu", n, (unsigned long long)c.ok,
	      st[cpu].written);
	CHECK(st[cpu].dropped == c.enospc + c.ebusy + c.other &&
	      c.attempts == n + st[cpu].dropped,
	      "produced %llu != read %zu + dropped %llu",
	      (unsigned long long)c.attempts, n, st[cpu].dropped);
	/* Every drop is a hole in the seq, and nothing else is. */
	CHECK(gaps + first + (c.attempts - 1 - last) == st[cpu].dropped,
	      "gaps %llu dropped %llu", (unsigned long long)gaps,
	      st[cpu].dropped);
	printf("    %s reader: produced %llu, read %zu, dropped %llu\n",
	       !concurrent ? "interleaved" :
	       slow_switch ? "concurrent slow-switch" :
	       small_reads ? "concurrent small-read" : "concurrent",
	       (unsigned long long)c.attempts, n, st[cpu].dropped);
	free(buf);
	rt_recs_reset(&recs);
	relay_test_bpf__destroy(skel);
	CHECK(wait_debugfs_gone("rt_live"), "dir removed");
	return TEST_PASS;
}

static int test_accounting_interleaved_reader(void)
{
	return check_accounting_with_reader(false, false, false);
}

/* Runs a race test RT_REPEAT times (or dflt); every run must pass. */
static int repeat_reader_test(int runs, bool small_reads, bool slow_switch)
{
	int i, before = failed_checks, bad_runs = 0;

	for (i = 0; i < runs; i++) {
		int was = failed_checks;

		check_accounting_with_reader(true, small_reads, slow_switch);
		bad_runs += failed_checks != was;
	}
	printf("    %d of %d runs clean\n", runs - bad_runs, runs);
	return failed_checks == before ? TEST_PASS : TEST_FAIL;
}

static int test_accounting_concurrent_reader(void)
{
	return repeat_reader_test(repeat_count(1), false, false);
}

static int test_accounting_concurrent_small_reads(void)
{
	return repeat_reader_test((repeat_count(1) + 4) / 5, true, false);
}

static int test_accounting_concurrent_slow_switch(void)
{
	return repeat_reader_test((repeat_count(1) + 4) / 5, true, true);
}

static int test_free_while_open(void)
{
	const struct producer_opts o = { .subbuf = PAGE, .n_subbufs = 4 };
	const char *path = DEBUGFS "/rt_free/rt_relay0";
	struct relay_test_bpf *skel;
	struct rt_recs recs = {};
	int rfd, mfd, ofd, map_fd;
	uint8_t buf[1 << 16];
	ssize_t len;
	void *map;

	skel = start_producer(&o, "rt_free");
	if (!skel)
		return TEST_FAIL;
	pin_to_cpu(0);
	trigger(50);
	unpin();

	rfd = open(path, O_RDONLY);
	mfd = open(path, O_RDONLY);
	ofd = open(path, O_RDONLY);
	map = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, mfd, 0);
	close(mfd);	/* the mapping alone must keep the buffer */
	CHECK(rfd >= 0 && ofd >= 0 && map != MAP_FAILED, "open and map");

	/* Drop every reference to the map: programs, links, fds. */
	map_fd = dup(bpf_map__fd(skel->maps.rt_relay));
	relay_test_bpf__destroy(skel);
	close(map_fd);
	CHECK(wait_debugfs_gone("rt_free"), "map freed while its files are open");
	CHECK(open(path, O_RDONLY) < 0 && errno == ENOENT, "no new opens");

	if (map != MAP_FAILED) {
		rt_parse_mmap(map, PAGE, 4, &recs);
		check_run(&recs, 0, 0, 49, "mapping after free");
		rt_recs_reset(&recs);
	}
	len = read(rfd, buf, sizeof(buf));
	rt_parse_stream(buf, len > 0 ? len : 0, &recs);
	check_run(&recs, 0, 0, 49, "read() after free");
	rt_recs_reset(&recs);
	CHECK(read(rfd, buf, sizeof(buf)) == 0, "then end of data");

	CHECK(wait_pollerr(ofd), "poll reports the closed channel");
	close(ofd);
	close(rfd);
	if (map != MAP_FAILED)
		munmap(map, 4 * PAGE);

	/* The same again with no data and no program ever loaded. */
	map_fd = relay_create("rtfree", 64, PAGE, 2, 0);
	CHECK(map_fd >= 0 && set_dir(map_fd, "rt_free2", 64) == 0, "create");
	rfd = open(DEBUGFS "/rt_free2/rtfree0", O_RDONLY);
	map = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, rfd, 0);
	close(map_fd);
	CHECK(wait_debugfs_gone("rt_free2"), "bare map freed");
	if (CHECK(map != MAP_FAILED, "mmap bare map")) {
		CHECK(((struct bpf_relay_subbuf_hdr *)map)->seq == 1, "header");
		munmap(map, 2 * PAGE);
	}
	close(rfd);
	return TEST_PASS;
}

/*
 * The name goes with the last user reference, not with the map: a program
 * still attached keeps the map, and keeps writing to it, once user space
 * has closed every fd of it.  The directory is gone at once and a new map
 * may take its name; a file opened before keeps reading what the program
 * writes, and hangs up once the program, and with it the map, is gone.
 */
static int test_name_freed_with_last_user_ref(void)
{
	const struct producer_opts o = { .subbuf = PAGE, .n_subbufs = 4 };
	struct relay_test_bpf *skel;
	struct rt_recs recs = {};
	uint8_t buf[1 << 16];
	struct pollfd pfd;
	int ffd, lfd, fd;
	ssize_t len;

	skel = start_producer(&o, "rt_uref");
	if (!skel)
		return TEST_FAIL;
	ffd = open(DEBUGFS "/rt_uref/rt_relay0", O_RDONLY);
	/* the link keeps the program attached, and the program the map */
	lfd = dup(bpf_link__fd(skel->links.rt_getpgid_tp));
	relay_test_bpf__destroy(skel);
	CHECK(ffd >= 0 && lfd >= 0, "open and dup");
	CHECK(!path_exists(DEBUGFS "/rt_uref"),
	      "directory gone with the last user reference");
	fd = relay_create("rturef", 64, PAGE, 2, 0);
	CHECK(fd >= 0 && set_dir(fd, "rt_uref", 64) == 0,
	      "a new map takes the name at once");
	if (fd >= 0)
		close(fd);

	pin_to_cpu(0);
	trigger(20);
	unpin();
	len = read(ffd, buf, sizeof(buf));
	rt_parse_stream(buf, len > 0 ? len : 0, &recs);
	check_run(&recs, 0, 0, 19, "written after the last fd went");
	rt_recs_free(&recs);
	pfd = (struct pollfd){ .fd = ffd, .events = POLLIN };
	CHECK(poll(&pfd, 1, 0) >= 0 && !(pfd.revents & (POLLERR | POLLHUP)),
	      "no hang-up while the map lives (revents %#x)", pfd.revents);
	close(lfd);
	CHECK(wait_pollerr(ffd), "hang-up once the program is gone");
	close(ffd);
	return TEST_PASS;
}

/*
 * bpf_relay_map_output(), the kfunc form of the helper, called from a
 * tracepoint program: its records arrive framed as the helper's do, and
 * its errors are the helper's: a record too big for a sub-buffer gives
 * E2BIG and is counted as dropped, non-zero flags give EINVAL uncounted,
 * and a map of another type, which the verifier lets through, gives
 * EINVAL at run time.
 */
static int test_kfunc_output(void)
{
	const char *path = DEBUGFS "/rt_kfunc/rk_relay0";
	struct relay_kfunc_bpf *skel;
	struct relay_stats st[8] = {};
	struct rt_recs recs = {};
	struct bpf_link *link;
	uint8_t *data = NULL;
	const int n = 20;
	ssize_t len;

	skel = relay_kfunc_bpf__open_and_load();
	if (!CHECK(skel, "load a program that calls the kfunc: %s",
		   strerror(errno)))
		return TEST_FAIL;
	skel->bss->target_tgid = getpid();
	CHECK(set_dir(bpf_map__fd(skel->maps.rk_relay), "rt_kfunc", 64) == 0,
	      "update");
	link = bpf_program__attach(skel->progs.rk_getpgid);
	if (CHECK(link, "attach: %s", strerror(errno))) {
		pin_to_cpu(0);
		trigger(n);
		unpin();
		bpf_link__destroy(link);
	}
	len = read_all(path, &data);
	rt_parse_stream(data, len > 0 ? len : 0, &recs);
	check_run(&recs, 0, 0, n - 1, "the kfunc's records");
	CHECK(skel->bss->ok == n && skel->bss->e2big == n &&
	      skel->bss->einval_flags == n && skel->bss->einval_type == n &&
	      skel->bss->other == 0,
	      "ok %llu e2big %llu einval (flags) %llu einval (type) %llu other %llu",
	      (unsigned long long)skel->bss->ok,
	      (unsigned long long)skel->bss->e2big,
	      (unsigned long long)skel->bss->einval_flags,
	      (unsigned long long)skel->bss->einval_type,
	      (unsigned long long)skel->bss->other);
	CHECK(read_stats("rt_kfunc", st, 8) >= 1 && st[0].written == n &&
	      st[0].dropped == n, "stats: written %llu dropped %llu, want %d %d",
	      st[0].written, st[0].dropped, n, n);
	free(data);
	rt_recs_free(&recs);
	relay_kfunc_bpf__destroy(skel);
	CHECK(wait_debugfs_gone("rt_kfunc"), "dir removed");
	return TEST_PASS;
}

static int test_unprivileged_create(void)
{
	const char *knob = "/proc/sys/kernel/unprivileged_bpf_disabled";
	char old[16] = "";
	int status, fd;
	pid_t pid;
	FILE *f;

	f = fopen(knob, "r");
	if (!f || !fgets(old, sizeof(old), f)) {
		if (f)
			fclose(f);
		skip("cannot read %s", knob);
		return TEST_SKIP;
	}
	fclose(f);
	fd = open(knob, O_WRONLY);
	if (fd < 0 || write(fd, "0", 1) != 1) {
		if (fd >= 0)
			close(fd);
		skip("unprivileged BPF cannot be enabled (was %.1s)", old);
		return TEST_SKIP;
	}
	close(fd);

	pid = fork();
	if (pid == 0) {
		int rb, relay;

		if (setgid(65534) || setuid(65534))
			_exit(3);
		/* The control: an unprivileged user may create a ring buffer. */
		rb = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "rtunpriv", 0, 0,
				    PAGE, NULL);
		if (rb < 0)
			_exit(2);
		relay = relay_create("rtunpriv", 64, PAGE, 2, 0);
		_exit(relay < 0 && errno == EPERM ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	fd = open(knob, O_WRONLY);
	if (fd >= 0) {
		if (write(fd, old, strlen(old)) < 0)
			perror("restore unprivileged_bpf_disabled");
		close(fd);
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) != 2,
	      "control: unprivileged ringbuf create failed");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "unprivileged relay create was not EPERM (status %d)", status);
	return TEST_PASS;
}

static char verifier_log[1 << 16];
static size_t verifier_log_len;

static int capture_log(enum libbpf_print_level level, const char *fmt,
		       va_list args)
{
	if (verifier_log_len < sizeof(verifier_log) - 1) {
		int n = vsnprintf(verifier_log + verifier_log_len,
				  sizeof(verifier_log) - verifier_log_len,
				  fmt, args);

		if (n > 0)
			verifier_log_len += n;
		if (verifier_log_len > sizeof(verifier_log) - 1)
			verifier_log_len = sizeof(verifier_log) - 1;
	}
	return 0;
}

static int test_verifier_ties_map_and_helper(void)
{
	/* map_update_elem trips over the zero-sized key before the type tie */
	static const char *const progs[][2] = {
		{ "relay_output_on_ringbuf", "cannot pass map_type 27" },
		{ "ringbuf_output_on_relay", "cannot pass map_type 34" },
		{ "update_relay_from_bpf", "invalid zero-sized read" },
	};
	libbpf_print_fn_t old = libbpf_set_print(capture_log);
	size_t i;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct relay_bad_bpf *skel = relay_bad_bpf__open();
		struct bpf_program *p;
		int err;

		if (!CHECK(skel, "open"))
			break;
		bpf_object__for_each_program(p, skel->obj)
			bpf_program__set_autoload(p, !strcmp(bpf_program__name(p),
							     progs[i][0]));
		verifier_log_len = 0;
		verifier_log[0] = 0;
		err = relay_bad_bpf__load(skel);
		CHECK(err && strstr(verifier_log, progs[i][1]),
		      "%s: load %d, log tail: %s", progs[i][0], err,
		      verifier_log_len > 400 ?
		      verifier_log + verifier_log_len - 400 : verifier_log);
		relay_bad_bpf__destroy(skel);
	}
	libbpf_set_print(old);
	return TEST_PASS;
}

static int tool_output_contains(const char *cmd, const char *needle)
{
	char line[512];
	int found = 0;
	FILE *p = popen(cmd, "r");

	if (!p)
		return 0;
	while (fgets(line, sizeof(line), p))
		found |= strstr(line, needle) != NULL;
	pclose(p);
	return found;
}

static int test_bpftool_knows_relay(void)
{
	const char *bpftool = getenv("BPFTOOL");
	char cmd[512];
	int fd;

	if (!bpftool) {
		skip("BPFTOOL is not set");
		return TEST_SKIP;
	}
	fd = relay_create("rtbpftool", 64, PAGE, 2, 0);
	CHECK(fd >= 0, "create");
	snprintf(cmd, sizeof(cmd), "%s map show name rtbpftool", bpftool);
	CHECK(tool_output_contains(cmd, ": relay  name rtbpftool"),
	      "bpftool map show names the type");
	snprintf(cmd, sizeof(cmd), "%s feature probe kernel", bpftool);
	CHECK(tool_output_contains(cmd, "eBPF map_type relay is available"),
	      "feature probe: map type");
	CHECK(tool_output_contains(cmd, "- bpf_relay_output"),
	      "feature probe: helper");
	close(fd);
	return TEST_PASS;
}

struct nmi_totals {
	__u64 attempts, ok, busy;
};

/*
 * After writers in several contexts shared an overwrite map of n_subbufs
 * sub-buffers of subbuf bytes: per CPU, the stats match the BPF-side
 * outcome counts, only NMI writes were refused (busy), and the mapped
 * buffer holds whole records in per-source order.  Adds up the NMI
 * outcomes of every CPU.
 */
static void check_writers(struct relay_test_bpf *skel, const char *dir,
			  int ncpu, __u32 subbuf, __u32 n_subbufs,
			  struct nmi_totals *nmi)
{
	struct relay_stats st[8];
	int cpu, src;

	memset(nmi, 0, sizeof(*nmi));
	CHECK(read_stats(dir, st, 8) == ncpu, "stats");
	for (cpu = 0; cpu < ncpu; cpu++) {
		struct relay_test_counts c[RT_NR_SRC];
		__u64 ok = 0, failed = 0;
		struct rt_recs recs = {};
		char path[128];
		void *map;
		int fd;

		for (src = 0; src < RT_NR_SRC; src++) {
			CHECK(read_counts(skel, src, cpu, &c[src]) == 0, "counts");
			ok += c[src].ok;
			failed += c[src].ebusy + c[src].enospc + c[src].other;
			CHECK(c[src].enospc == 0 && c[src].other == 0,
			      "cpu %d src %d unexpected failures", cpu, src);
		}
		/* Only an NMI can land inside a write: irqs are off there. */
		CHECK(c[RT_SRC_SYSCALL].ebusy == 0 && c[RT_SRC_HARDIRQ].ebusy == 0,
		      "cpu %d: busy outside NMI", cpu);
		CHECK(c[RT_SRC_SYSCALL].ok > 0, "cpu %d: no task write", cpu);
		CHECK(st[cpu].written == ok && st[cpu].dropped == failed,
		      "cpu %d: written %llu/%llu dropped %llu/%llu", cpu,
		      st[cpu].written, (unsigned long long)ok,
		      st[cpu].dropped, (unsigned long long)failed);
		nmi->attempts += c[RT_SRC_NMI].attempts;
		nmi->ok += c[RT_SRC_NMI].ok;
		nmi->busy += c[RT_SRC_NMI].ebusy;

		snprintf(path, sizeof(path), DEBUGFS "/%s/rt_relay%d", dir, cpu);
		fd = open(path, O_RDONLY);
		map = mmap(NULL, (size_t)n_subbufs * subbuf, PROT_READ,
			   MAP_SHARED, fd, 0);
		if (CHECK(map != MAP_FAILED, "mmap cpu %d", cpu)) {
			rt_parse_mmap(map, subbuf, n_subbufs, &recs);
			CHECK(recs.torn == 0 && recs.framing == 0 && recs.n > 0,
			      "cpu %d: %zu records, torn %llu framing %llu", cpu,
			      recs.n, (unsigned long long)recs.torn,
			      (unsigned long long)recs.framing);
			for (src = 0; src < RT_NR_SRC; src++) {
				uint64_t f, l, g;
				int ordered;

				rt_count(&recs, cpu, src, &f, &l, &ordered, &g);
				CHECK(ordered, "cpu %d src %d out of order", cpu,
				      src);
			}
			munmap(map, (size_t)n_subbufs * subbuf);
		}
		close(fd);
		rt_recs_free(&recs);
	}
}

/* Writers in task, hard-irq and NMI context share one CPU's buffer. */
static int test_nested_writers(void)
{
	const struct producer_opts o = {
		.subbuf = 16 * PAGE, .n_subbufs = 8, .flags = BPF_F_OVERWRITE,
		.raw_tp = true, .irq_writers = true,
	};
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = 100000,	/* ns: 10 kHz per CPU */
	};
	int ncpu = online_cpus(), cpu, sysrq, round;
	struct bpf_link *perf_links[8] = {};
	struct producer_arg pa[8];
	pthread_t thr[8];
	volatile bool stop = false;
	struct relay_test_bpf *skel;
	struct nmi_totals nmi;

	if (ncpu > 8)
		ncpu = 8;
	skel = start_producer(&o, "rt_nest");
	if (!skel)
		return TEST_FAIL;
	skel->links.rt_nmi = bpf_program__attach(skel->progs.rt_nmi);
	CHECK(skel->links.rt_nmi, "attach nmi_handler");
	for (cpu = 0; cpu < ncpu; cpu++) {
		int pfd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1, 0);

		if (CHECK(pfd >= 0, "perf_event_open cpu %d", cpu))
			perf_links[cpu] = bpf_program__attach_perf_event(
				skel->progs.rt_cpu_clock, pfd);
		CHECK(perf_links[cpu], "attach perf_event cpu %d", cpu);
	}
	skel->bss->irq_writers_enabled = 1;

	for (cpu = 0; cpu < ncpu; cpu++) {
		pa[cpu] = (struct producer_arg){ .cpu = cpu, .stop = &stop };
		pthread_create(&thr[cpu], NULL, producer_thread, &pa[cpu]);
	}
	/* sysrq 'l' sends an NMI to every other CPU. */
	if (system("echo 1 > /proc/sys/kernel/sysrq"))
		fprintf(stderr, "    cannot enable sysrq\n");
	for (round = 0; round < 40; round++) {
		sysrq = open("/proc/sysrq-trigger", O_WRONLY);
		if (sysrq >= 0) {
			if (write(sysrq, "l", 1) != 1)
				break;
			close(sysrq);
		}
		usleep(50000);
	}
	stop = true;
	for (cpu = 0; cpu < ncpu; cpu++)
		pthread_join(thr[cpu], NULL);
	skel->bss->irq_writers_enabled = 0;
	for (cpu = 0; cpu < ncpu; cpu++)
		bpf_link__destroy(perf_links[cpu]);

	check_writers(skel, "rt_nest", ncpu, 16 * PAGE, 8, &nmi);
	for (cpu = 0; cpu < ncpu; cpu++) {
		struct relay_test_counts c;

		CHECK(read_counts(skel, RT_SRC_HARDIRQ, cpu, &c) == 0 && c.ok > 0,
		      "cpu %d: no hard-irq write", cpu);
	}
	printf("    nmi writes: %llu attempted, %llu ok, %llu refused busy\n",
	       (unsigned long long)nmi.attempts, (unsigned long long)nmi.ok,
	       (unsigned long long)nmi.busy);
	CHECK(nmi.attempts > 0, "no NMI-context write happened");
	relay_test_bpf__destroy(skel);
	CHECK(wait_debugfs_gone("rt_nest"), "dir removed");
	return TEST_PASS;
}

/* NMIs CPU 0 has taken so far: the "NMI:" row of /proc/interrupts. */
static long long nmi_count_cpu0(void)
{
	long long n = -1;
	char line[4096];
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " NMI: %lld", &n) == 1)
			break;
		n = -1;
	}
	fclose(f);
	return n;
}

/* Waits for the host's "injected N" in path; returns N, or -1. */
static long wait_injected(const char *path, int timeout_s)
{
	long n = -1;
	int i;

	for (i = 0; i < timeout_s * 10; i++) {
		FILE *f = fopen(path, "r");

		if (f) {
			if (fscanf(f, "injected %ld", &n) != 1)
				n = -1;
			fclose(f);
			if (n >= 0)
				return n;
		}
		usleep(100000);
	}
	return -1;
}

/*
 * NMIs from outside the guest (QMP inject-nmi, sent by the host side of
 * tests/vm/run.sh) while a task writer runs flat out on every CPU and a
 * program on nmi_handler writes to the same map.  The handshake goes
 * through files in $RELAYBENCH_NMI_DIR, on the shared directory: the guest
 * creates "ready" once the writers run, the host injects its NMIs and
 * writes "injected N" to "done".
 */
static int test_nmi_injected(void)
{
	const struct producer_opts o = {
		.subbuf = 16 * PAGE, .n_subbufs = 8, .flags = BPF_F_OVERWRITE,
		.batch = 16, .raw_tp = true, .irq_writers = true,
	};
	const char *dir = getenv("RELAYBENCH_NMI_DIR");
	int ncpu = online_cpus(), cpu;
	struct relay_test_counts before, after, nmi0;
	long long nmis_before, nmis;
	struct producer_arg pa[8];
	pthread_t thr[8];
	volatile bool stop = false;
	struct relay_test_bpf *skel;
	struct nmi_totals nmi;
	char path[512];
	long injected;
	FILE *f;

	if (!dir) {
		skip("no NMI injector (RELAYBENCH_NMI_DIR unset; tests/vm/run.sh sets it)");
		return TEST_SKIP;
	}
	if (ncpu > 8)
		ncpu = 8;
	skel = start_producer(&o, "rt_nmiq");
	if (!skel)
		return TEST_FAIL;
	skel->links.rt_nmi = bpf_program__attach(skel->progs.rt_nmi);
	CHECK(skel->links.rt_nmi, "attach nmi_handler");
	skel->bss->irq_writers_enabled = 1;
	nmis_before = nmi_count_cpu0();
	CHECK(nmis_before >= 0, "no NMI row in /proc/interrupts");

	for (cpu = 0; cpu < ncpu; cpu++) {
		pa[cpu] = (struct producer_arg){ .cpu = cpu, .stop = &stop };
		pthread_create(&thr[cpu], NULL, producer_thread, &pa[cpu]);
	}
	snprintf(path, sizeof(path), "%s/ready", dir);
	f = fopen(path, "w");
	if (CHECK(f, "create %s", path))
		fclose(f);
	snprintf(path, sizeof(path), "%s/done", dir);
	injected = f ? wait_injected(path, 300) : -1;
	stop = true;
	for (cpu = 0; cpu < ncpu; cpu++)
		pthread_join(thr[cpu], NULL);
	skel->bss->irq_writers_enabled = 0;
	nmis = nmi_count_cpu0() - nmis_before;

	CHECK(injected > 0, "the host injected no NMI");
	check_writers(skel, "rt_nmiq", ncpu, 16 * PAGE, 8, &nmi);
	CHECK(read_counts(skel, RT_SRC_NMI, 0, &nmi0) == 0, "counts");
	/* QMP's NMI goes to CPU 0 (LINT1); two close ones may merge. */
	CHECK(nmis > 0 && nmis <= injected, "cpu 0 took %lld NMIs of %ld",
	      nmis, injected);
	/* Every NMI ran the program, and nothing else did. */
	CHECK(nmi0.attempts == (__u64)nmis && nmi.attempts == nmi0.attempts,
	      "nmi_handler ran %llu times on cpu 0, %llu in all, for %lld NMIs",
	      (unsigned long long)nmi0.attempts,
	      (unsigned long long)nmi.attempts, nmis);
	CHECK(nmi.ok + nmi.busy == nmi.attempts, "NMI writes failed otherwise");

	/* No write was left half-done: the busy count is back to zero. */
	pin_to_cpu(0);
	CHECK(read_counts(skel, RT_SRC_SYSCALL, 0, &before) == 0, "counts");
	trigger(10);
	CHECK(read_counts(skel, RT_SRC_SYSCALL, 0, &after) == 0 &&
	      after.ok == before.ok + 10 * o.batch,
	      "cpu 0 writes after the NMIs: %llu of %u",
	      (unsigned long long)(after.ok - before.ok), 10 * o.batch);
	unpin();
	printf("    %ld NMIs injected, %lld taken; nmi writes: %llu ok, %llu refused busy\n",
	       injected, nmis, (unsigned long long)nmi.ok,
	       (unsigned long long)nmi.busy);
	relay_test_bpf__destroy(skel);
	CHECK(wait_debugfs_gone("rt_nmiq"), "dir removed");
	return TEST_PASS;
}

/* How many times the race tests run: RT_REPEAT (suite.sh sets it per kernel). */
static int repeat_count(int dflt)
{
	const char *v = getenv("RT_REPEAT");
	int n = v ? atoi(v) : 0;

	return n > 0 ? n : dflt;
}

#define PER_SUBBUF(size) \
	(((size) - sizeof(struct bpf_relay_subbuf_hdr)) / REC_FRAMED)

/*
 * cat of a full no-overwrite buffer returns every record that was written,
 * 100 times over, with the reader left somewhere else in the buffer by a
 * short read() before each fill.  Relay's own read() once took a full
 * count for a lost sub-buffer and stopped early here.
 */
static int test_cat_full_buffer(void)
{
	const struct producer_opts o = { .subbuf = PAGE, .n_subbufs = 2 };
	const char *path = DEBUGFS "/rt_catf/rt_relay0";
	const size_t per_subbuf = PER_SUBBUF(PAGE);
	struct relay_test_bpf *skel;
	struct relay_test_counts c;
	size_t total_read = 0;
	int run, good = 0;

	skel = start_producer(&o, "rt_catf");
	if (!skel)
		return TEST_FAIL;
	pin_to_cpu(0);
	for (run = 0; run < 100; run++) {
		struct rt_recs recs = {};
		uint8_t small[sizeof(struct bpf_relay_subbuf_hdr) +
			      8 * REC_FRAMED];
		size_t want = sizeof(struct bpf_relay_subbuf_hdr) +
			      (run % 8 + 1) * REC_FRAMED;
		uint8_t *data = NULL;
		ssize_t len;
		int fd;

		/* a partial read parks the reader inside a sub-buffer */
		trigger(run % per_subbuf + 1);
		fd = open(path, O_RDONLY);
		len = fd >= 0 ? read(fd, small, want) : -1;
		if (fd >= 0)
			close(fd);
		rt_parse_stream(small, len > 0 ? len : 0, &recs);
		total_read += recs.n;
		rt_recs_reset(&recs);

		trigger(3 * per_subbuf);	/* more than fits: drops */
		if (system("cat " DEBUGFS "/rt_catf/rt_relay0 > /tmp/rt_catf.out"))
			break;
		len = read_all("/tmp/rt_catf.out", &data);
		rt_parse_stream(data, len > 0 ? len : 0, &recs);
		total_read += recs.n;
		free(data);
		if (read_counts(skel, RT_SRC_SYSCALL, 0, &c))
			break;
		good += recs.torn == 0 && recs.framing == 0 &&
			total_read == c.ok;
		rt_recs_reset(&recs);
		total_read = c.ok;	/* judge each run on its own */
	}
	CHECK(good == 100, "cat returned every record in %d of 100 runs", good);
	unpin();
	relay_test_bpf__destroy(skel);
	CHECK(wait_debugfs_gone("rt_catf"), "dir removed");
	return TEST_PASS;
}

/*
 * An mmap() reader reports what it consumed by writing a sub-buffer seq;
 * that frees room for a no-overwrite writer and lets poll() sleep.  The
 * mapping can never be made writable.
 */
static int test_mmap_reader_consumes(void)
{
	const struct producer_opts o = { .subbuf = PAGE, .n_subbufs = 2 };
	const char *path = DEBUGFS "/rt_mcons/rt_relay0";
	const size_t per_subbuf = PER_SUBBUF(PAGE);
	struct pollfd pfd = { .events = POLLIN };
	struct relay_test_bpf *skel;
	struct relay_test_counts c;
	__u64 seq;
	int fd, rofd;
	void *map, *wmap;

	skel = start_producer(&o, "rt_mcons");
	if (!skel)
		return TEST_FAIL;
	pin_to_cpu(0);
	trigger(3 * per_subbuf);
	CHECK(read_counts(skel, RT_SRC_SYSCALL, 0, &c) == 0 &&
	      c.ok == 2 * per_subbuf, "full: ok %llu", (unsigned long long)c.ok);

	rofd = open(path, O_RDONLY);
	seq = 1;
	CHECK(rofd >= 0 && write(rofd, &seq, sizeof(seq)) < 0 && errno == EBADF,
	      "a read-only reader cannot consume");
	if (rofd >= 0)
		close(rofd);

	fd = open(path, O_RDWR);
	if (!CHECK(fd >= 0, "open O_RDWR: %s", strerror(errno)))
		goto out;
	wmap = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(wmap == MAP_FAILED && errno == EPERM,
	      "writable shared mapping refused with EPERM");
	map = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (CHECK(map != MAP_FAILED, "read-only mapping")) {
		CHECK(mprotect(map, 2 * PAGE, PROT_READ | PROT_WRITE) < 0 &&
		      errno == EACCES, "mapping cannot become writable");
		munmap(map, 2 * PAGE);
	}

	pfd.fd = fd;
	CHECK(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN),
	      "ready with two sub-buffers unread");
	CHECK(write(fd, &seq, 4) < 0 && errno == EINVAL, "short write refused");
	seq = 1;
	CHECK(write(fd, &seq, sizeof(seq)) == sizeof(seq), "consume seq 1");
	trigger(per_subbuf + 1);
	CHECK(read_counts(skel, RT_SRC_SYSCALL, 0, &c) == 0 &&
	      c.ok == 3 * per_subbuf,
	      "one sub-buffer of room after consuming one: ok %llu",
	      (unsigned long long)c.ok);
	seq = 1000;	/* beyond the writer: only finished ones count */
	CHECK(write(fd, &seq, sizeof(seq)) == sizeof(seq), "consume all");
	CHECK(poll(&pfd, 1, 0) == 0, "nothing ready once all is consumed");
	/* a sub-buffer of room, and one record that completes it */
	trigger(per_subbuf + 1);
	CHECK(read_counts(skel, RT_SRC_SYSCALL, 0, &c) == 0 &&
	      c.ok == 4 * per_subbuf + 1, "writes resume: ok %llu",
	      (unsigned long long)c.ok);
	CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN),
	      "ready again after the next sub-buffer completes");
	close(fd);
out:
	unpin();
	relay_test_bpf__destroy(skel);
	CHECK(wait_debugfs_gone("rt_mcons"), "dir removed");
	return TEST_PASS;
}

struct paced_arg {
	int cpu;
	long per_ms;		/* records per millisecond */
	long ms;		/* for how long */
};

/* Writes per_ms records each millisecond, on an absolute schedule. */
static void *paced_producer(void *p)
{
	struct paced_arg *a = p;
	struct timespec t;
	long i;

	pin_to_cpu(a->cpu);
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (i = 0; i < a->ms; i++) {
		trigger(a->per_ms);
		t.tv_nsec += 1000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_nsec -= 1000000000;
			t.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
	}
	return NULL;
}

static double now_s(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * At 10 k records/s into 8 x 64 KiB sub-buffers, an mmap() reader that
 * consumes sleeps in poll() between sub-buffer switches: it wakes at most
 * once per switch plus once per poll timeout, and uses under 5 % of a CPU.
 */
static int test_mmap_reader_sleeps(void)
{
	const __u32 subbuf = 64 << 10, n_subbufs = 8;
	const struct producer_opts o = { .subbuf = subbuf,
					 .n_subbufs = n_subbufs };
	const int reader_cpu = 0, writer_cpu = online_cpus() > 1 ? 1 : 0;
	struct paced_arg pa = { .cpu = writer_cpu, .per_ms = 10, .ms = 3000 };
	long wakeups = 0, timeouts = 0;
	double wall, cpu;
	struct relay_test_bpf *skel;
	struct pollfd pfd = { .events = POLLIN };
	char path[128];
	__u64 want = 1;
	pthread_t thr;
	void *map;

	skel = start_producer(&o, "rt_sleep");
	if (!skel)
		return TEST_FAIL;
	snprintf(path, sizeof(path), DEBUGFS "/rt_sleep/rt_relay%d", writer_cpu);
	pfd.fd = open(path, O_RDWR);
	map = mmap(NULL, (size_t)subbuf * n_subbufs, PROT_READ, MAP_SHARED,
		   pfd.fd, 0);
	if (!CHECK(pfd.fd >= 0 && map != MAP_FAILED, "open and map"))
		goto out;
	pin_to_cpu(reader_cpu);
	wall = now_s(CLOCK_MONOTONIC);
	cpu = now_s(CLOCK_THREAD_CPUTIME_ID);
	pthread_create(&thr, NULL, paced_producer, &pa);
	while (pthread_tryjoin_np(thr, NULL)) {
		int r = poll(&pfd, 1, 100);
		const struct bpf_relay_subbuf_hdr *next;

		if (r > 0)
			wakeups++;
		else if (r == 0)
			timeouts++;
		/* sub-buffer want is done once the next one carries want + 1 */
		for (;;) {
			next = map + (want % n_subbufs) * subbuf;
			if (__atomic_load_n(&next->seq, __ATOMIC_ACQUIRE) !=
			    want + 1)
				break;
			want++;
		}
		if (want > 1 && write(pfd.fd, &(__u64){ want - 1 },
				      sizeof(__u64)) != sizeof(__u64)) {
			CHECK(0, "consume: %s", strerror(errno));
			break;
		}
	}
	cpu = now_s(CLOCK_THREAD_CPUTIME_ID) - cpu;
	wall = now_s(CLOCK_MONOTONIC) - wall;
	printf("    %llu sub-buffer switches, %ld wakeups, %ld timeouts, reader CPU %.2f %% of %.1f s\n",
	       (unsigned long long)(want - 1), wakeups, timeouts,
	       100 * cpu / wall, wall);
	CHECK(want > 2, "sub-buffers completed: %llu",
	      (unsigned long long)(want - 1));
	CHECK(wakeups <= (long)(want - 1) + timeouts,
	      "wakeups %ld > switches %llu + timeouts %ld", wakeups,
	      (unsigned long long)(want - 1), timeouts);
	CHECK(cpu < 0.05 * wall, "reader CPU %.2f %%", 100 * cpu / wall);
	munmap(map, (size_t)subbuf * n_subbufs);
out:
	if (pfd.fd >= 0)
		close(pfd.fd);
	unpin();
	relay_test_bpf__destroy(skel);
	CHECK(wait_debugfs_gone("rt_sleep"), "dir removed");
	return TEST_PASS;
}

struct poller_arg {
	int fd;
	int ret;
	short revents;
	double waited;
};

static void *poller(void *p)
{
	struct poller_arg *a = p;
	struct pollfd pfd = { .fd = a->fd, .events = POLLIN };
	double t0 = now_s(CLOCK_MONOTONIC);

	a->ret = poll(&pfd, 1, 30000);
	a->revents = pfd.revents;
	a->waited = now_s(CLOCK_MONOTONIC) - t0;
	return NULL;
}

/* A reader asleep in poll() is woken with POLLERR | POLLHUP when the map goes. */
static int test_free_wakes_pollers(void)
{
	struct poller_arg a = { .fd = -1 };
	pthread_t thr;
	int map_fd;

	map_fd = relay_create("rtwake", 64, PAGE, 2, 0);
	if (!CHECK(map_fd >= 0 && set_dir(map_fd, "rt_wake", 64) == 0,
		   "create"))
		return TEST_FAIL;
	a.fd = open(DEBUGFS "/rt_wake/rtwake0", O_RDONLY);
	if (!CHECK(a.fd >= 0, "open"))
		return TEST_FAIL;
	pthread_create(&thr, NULL, poller, &a);
	usleep(300000);		/* let it sleep */
	close(map_fd);
	pthread_join(thr, NULL);
	CHECK(a.ret == 1 && (a.revents & POLLERR) && (a.revents & POLLHUP) &&
	      a.waited < 20, "poll returned %d revents %#x after %.1f s", a.ret,
	      a.revents, a.waited);
	close(a.fd);
	CHECK(wait_debugfs_gone("rt_wake"), "dir removed");
	return TEST_PASS;
}

/* Sets unprivileged_bpf_disabled to 0; returns false (and skips) if it can't. */
static bool allow_unprivileged_bpf(char *old, size_t size)
{
	const char *knob = "/proc/sys/kernel/unprivileged_bpf_disabled";
	FILE *f = fopen(knob, "r");
	bool ok;
	int fd;

	if (!f || !fgets(old, size, f)) {
		if (f)
			fclose(f);
		skip("cannot read %s", knob);
		return false;
	}
	fclose(f);
	fd = open(knob, O_WRONLY);
	ok = fd >= 0 && write(fd, "0", 1) == 1;
	if (fd >= 0)
		close(fd);
	if (!ok)
		skip("unprivileged BPF cannot be enabled (was %.1s)", old);
	return ok;
}

static void restore_unprivileged_bpf(const char *old)
{
	int fd = open("/proc/sys/kernel/unprivileged_bpf_disabled", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, old, strlen(old)) < 0)
			perror("restore unprivileged_bpf_disabled");
		close(fd);
	}
}

/* The value of KEY in a file of "key value" lines (memory.events), or -1. */
static long long cgroup_value(const char *path, const char *key)
{
	char line[128], name[64];
	long long v, found = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", name, &v) == 2 && !strcmp(name, key))
			found = v;
	fclose(f);
	return found;
}

/* The number in a one-number cgroup file (memory.current), or -1. */
static long long cgroup_number(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* In a child moved to CGROUP: create a map of SUBBUF x 2 per CPU; exit 0
 * if that gave WANT (0: created, and charged to the cgroup).
 */
static int memcg_child(const char *cgroup, __u32 subbuf, int want)
{
	char path[128], pid[16];
	long long before, charged;
	pid_t child;
	int status, fd;

	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		if (write_str(path, pid))
			_exit(10);
		snprintf(path, sizeof(path), "%s/memory.current", cgroup);
		before = cgroup_number(path);
		fd = relay_create("rtmemcg", 64, subbuf, 2, 0);
		if (fd < 0)
			_exit(errno == want ? 0 : 11);
		/* every CPU's two sub-buffers, charged here (9/10: pages) */
		charged = cgroup_number(path) - before;
		_exit(want == 0 && charged >= 2LL * subbuf * online_cpus() * 9 / 10 ?
			      0 : 12);
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Relay buffers count against their creator's memory cgroup, and a map
 * that does not fit in it fails with ENOMEM instead of waking the OOM
 * killer: in a cgroup limited to 64 MiB, 16 MiB of buffers per CPU are
 * made and charged, 128 MiB per CPU are refused, and nothing is killed.
 */
static int test_memcg_limits_map(void)
{
	const char *root = "/sys/fs/cgroup", *cg = "/sys/fs/cgroup/rt_memcg";
	char path[128], controllers[256] = "";
	bool mounted = false;
	FILE *f;
	int rc;

	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK)) {
		if (mount("none", root, "cgroup2", 0, NULL)) {
			skip("cannot mount cgroup2: %s", strerror(errno));
			return TEST_SKIP;
		}
		mounted = true;
	}
	f = fopen("/sys/fs/cgroup/cgroup.controllers", "r");
	if (f) {
		if (!fgets(controllers, sizeof(controllers), f))
			controllers[0] = '\0';
		fclose(f);
	}
	if (!strstr(controllers, "memory")) {
		if (mounted)
			umount(root);
		skip("no memory controller (CONFIG_MEMCG)");
		return TEST_SKIP;
	}
	CHECK(write_str("/sys/fs/cgroup/cgroup.subtree_control", "+memory") == 0,
	      "enable the memory controller");
	rmdir(cg);
	if (CHECK(mkdir(cg, 0755) == 0, "mkdir %s: %s", cg, strerror(errno))) {
		snprintf(path, sizeof(path), "%s/memory.max", cg);
		CHECK(write_str(path, "64M") == 0, "memory.max 64M");
		rc = memcg_child(cg, 8 << 20, 0);
		CHECK(rc == 0, "16 MiB per CPU made and charged to the cgroup (child %d)",
		      rc);
		rc = memcg_child(cg, 64 << 20, ENOMEM);
		CHECK(rc == 0, "128 MiB per CPU refused with ENOMEM (child %d)", rc);
		snprintf(path, sizeof(path), "%s/memory.events", cg);
		CHECK(cgroup_value(path, "oom_kill") == 0,
		      "no OOM kill (%lld)", cgroup_value(path, "oom_kill"));
		CHECK(rmdir(cg) == 0, "rmdir %s: %s", cg, strerror(errno));
	}
	if (mounted)
		umount(root);
	return TEST_PASS;
}

/* MemAvailable from /proc/meminfo, in bytes, or -1. */
static long long mem_available(void)
{
	char line[128];
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/* /dev/kmsg read from its end on: what the kernel logs from now on. */
static int kmsg_from_now(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * The OOM killer's messages logged since kmsg_from_now(): the guest kernel
 * has no vm event counters, so /proc/vmstat has no oom_kill.  Every kill
 * logs "Killed process" (only the report before it is rate limited).
 */
static int kmsg_oom_lines(int fd)
{
	char rec[4096];
	ssize_t len;
	int n = 0;

	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;	/* overwritten before we read it */
		if (len <= 0)
			break;
		rec[len] = '\0';
		if (strstr(rec, "Killed process") ||
		    strstr(rec, "invoked oom-killer"))
			n++;
	}
	return n;
}

/*
 * When memory runs out, creating a map fails with ENOMEM and the OOM
 * killer stays asleep: maps of the largest size there is (256 MiB per
 * CPU) are created until one fails, with ENOMEM, and with no OOM kill
 * anywhere.
 */
static int test_memory_short_enomem(void)
{
	long long per_map = (256LL << 20) * libbpf_num_possible_cpus();
	long long before = mem_available();
	int fds[64], n = 0, err = 0, i, kmsg = kmsg_from_now(), oom;

	if (!CHECK(before > 0 && kmsg >= 0, "read meminfo and /dev/kmsg")) {
		if (kmsg >= 0)
			close(kmsg);
		return TEST_FAIL;
	}
	while (n < (int)(sizeof(fds) / sizeof(fds[0]))) {
		fds[n] = relay_create("rtnomem", 64, 64 << 20, 4, 0);
		if (fds[n] < 0) {
			err = errno;
			break;
		}
		n++;
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	printf("    %d maps of %lld MiB made, %lld MiB were available\n", n,
	       per_map >> 20, before >> 20);
	CHECK(err == ENOMEM, "map %d: %s, want ENOMEM", n, strerror(err));
	oom = kmsg_oom_lines(kmsg);
	close(kmsg);
	CHECK(oom == 0, "the OOM killer ran (%d lines in the kernel log)", oom);
	/* the frees are deferred: let the next test have its memory back */
	for (i = 0; i < 600 && mem_available() < before - (64LL << 20); i++)
		usleep(50000);
	CHECK(mem_available() >= before - (64LL << 20),
	      "memory back after the frees");
	return TEST_PASS;
}

/*
 * Whoever holds a writable map fd (a pin, an fd passed over a socket) must
 * not pick a top-level debugfs name: the update checks CAP_SYS_ADMIN.
 */
static int test_unprivileged_update(void)
{
	char old[16] = "";
	int status, map_fd;
	pid_t pid;

	if (!allow_unprivileged_bpf(old, sizeof(old)))
		return TEST_SKIP;
	map_fd = relay_create("rtpriv", 64, PAGE, 2, 0);
	if (!CHECK(map_fd >= 0, "create")) {
		restore_unprivileged_bpf(old);
		return TEST_FAIL;
	}
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(3);
		_exit(set_dir(map_fd, "rt_priv", 64) == -EPERM ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	restore_unprivileged_bpf(old);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "unprivileged update was not EPERM (status %#x)", status);
	CHECK(!path_exists(DEBUGFS "/rt_priv"), "no directory made");
	CHECK(set_dir(map_fd, "rt_priv", 64) == 0, "root may update");
	close(map_fd);
	CHECK(wait_debugfs_gone("rt_priv"), "dir removed");
	return TEST_PASS;
}

struct hotplug_arg {
	volatile bool stop;
	long cycles;
	int err;
};

static int set_cpu1_online(int on)
{
	int fd = open("/sys/devices/system/cpu/cpu1/online", O_WRONLY);
	int ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, on ? "1" : "0", 1) == 1;
	close(fd);
	return ok ? 0 : -errno;
}

static void *hotplug_cpu1(void *p)
{
	struct hotplug_arg *a = p;

	pin_to_cpu(0);
	while (!a->stop) {
		int err = set_cpu1_online(0);

		if (!err)
			err = set_cpu1_online(1);
		if (err && err != -EBUSY) {
			a->err = err;
			break;
		}
		a->cycles++;
	}
	return NULL;
}

/*
 * Maps are created, given files and freed (one with a file left open)
 * while CPU 1 goes offline and online: the kernel must neither create a
 * file in a directory that is gone nor fail to bring the CPU back.  The
 * VM runner fails the run on any kernel report.  Up to RT_HOTPLUG_ITERS
 * maps (1000), within RT_HOTPLUG_SECONDS (60): under TCG the debug kernel
 * makes far fewer maps a second than the release one, and the time is
 * what the whole debug run can spare.
 */
static int test_teardown_with_hotplug(void)
{
	struct hotplug_arg ha = {};
	const char *env_iters = getenv("RT_HOTPLUG_ITERS");
	const char *env_secs = getenv("RT_HOTPLUG_SECONDS");
	int i, iters = env_iters ? atoi(env_iters) : 1000, made = 0;
	double budget = env_secs ? atof(env_secs) : 60, start, took;
	int online_err, err, first_err = 0;
	pthread_t thr;

	if (online_cpus() < 2 ||
	    access("/sys/devices/system/cpu/cpu1/online", W_OK)) {
		skip("CPU 1 cannot go offline here");
		return TEST_SKIP;
	}
	pin_to_cpu(0);
	start = now_s(CLOCK_MONOTONIC);
	pthread_create(&thr, NULL, hotplug_cpu1, &ha);
	for (i = 0; i < iters && now_s(CLOCK_MONOTONIC) - start < budget;
	     i++) {
		char dir[32], path[64];
		int map_fd = relay_create("rthp", 64, PAGE, 2, 0);
		int fd;

		snprintf(dir, sizeof(dir), "rt_hp%d", i);
		err = map_fd < 0 ? -errno : set_dir(map_fd, dir, 64);
		if (err) {
			if (!first_err)
				printf("    map %d: %s: %s\n", i,
				       map_fd < 0 ? "create" : "update",
				       strerror(-err));
			first_err = first_err ?: err;
			if (map_fd >= 0)
				close(map_fd);
			continue;
		}
		made++;
		snprintf(path, sizeof(path), DEBUGFS "/%s/rthp%d", dir, i % 2);
		fd = i % 3 ? -1 : open(path, O_RDONLY);
		close(map_fd);
		if (fd >= 0) {
			usleep(1000);
			close(fd);
		}
	}
	iters = i;
	ha.stop = true;
	pthread_join(thr, NULL);
	took = now_s(CLOCK_MONOTONIC) - start;
	online_err = set_cpu1_online(1);
	unpin();
	printf("    %d maps, %ld offline/online cycles in %.0f s\n", made,
	       ha.cycles, took);
	CHECK(ha.err == 0, "hotplug: %s", strerror(-ha.err));
	CHECK(online_err == 0 && online_cpus() >= 2, "CPU 1 back online");
	CHECK(made == iters, "%d of %d maps made", made, iters);
	/* a budget too short to test anything is a failure, not a pass */
	CHECK(made >= 20, "only %d maps in the time budget", made);
	CHECK(ha.cycles > 0, "CPU 1 went offline and online");
	for (i = 0; i < iters; i++) {
		char dir[32];

		snprintf(dir, sizeof(dir), "rt_hp%d", i);
		if (!wait_debugfs_gone(dir)) {
			CHECK(0, "%s removed", dir);
			break;
		}
	}
	return TEST_PASS;
}

/*
 * Every possible CPU has its file from the update on, and hotplug changes
 * none of them.  With CPU 1 offline since before the map was made, its
 * file is there but has no buffer to open (ENODEV); once CPU 1 comes
 * online relay gives it a buffer, which the same file opens; when CPU 1
 * goes offline again the buffer stays, and the file still opens.
 */
static int test_files_follow_hotplug(void)
{
	const char *path = DEBUGFS "/rt_hotfiles/rthot1";
	int map_fd, fd = -1, fd2 = -1;
	void *map;

	if (online_cpus() < 2 ||
	    access("/sys/devices/system/cpu/cpu1/online", W_OK)) {
		skip("CPU 1 cannot go offline here");
		return TEST_SKIP;
	}
	if (!CHECK(set_cpu1_online(0) == 0, "CPU 1 offline"))
		return TEST_FAIL;
	map_fd = relay_create("rthot", 64, PAGE, 2, 0);
	CHECK(map_fd >= 0 && set_dir(map_fd, "rt_hotfiles", 64) == 0,
	      "create and update: %s", strerror(errno));
	CHECK(path_exists(DEBUGFS "/rt_hotfiles/rthot0") && path_exists(path),
	      "a file for the offline CPU too");
	errno = 0;
	fd = open(path, O_RDONLY);
	CHECK(fd < 0 && errno == ENODEV, "no buffer yet: %s", strerror(errno));
	if (fd >= 0)
		close(fd);

	CHECK(set_cpu1_online(1) == 0, "CPU 1 online");
	fd = open(path, O_RDONLY);
	if (CHECK(fd >= 0, "open once the CPU is up: %s", strerror(errno))) {
		map = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (CHECK(map != MAP_FAILED, "mmap: %s", strerror(errno))) {
			const struct bpf_relay_subbuf_hdr *h = map;

			CHECK(h->seq == 1 && h->cpu == 1,
			      "CPU 1's first header: seq %llu cpu %u",
			      (unsigned long long)h->seq, h->cpu);
			munmap(map, 2 * PAGE);
		}
	}

	CHECK(set_cpu1_online(0) == 0, "CPU 1 offline again");
	fd2 = open(path, O_RDONLY);
	CHECK(fd2 >= 0, "the buffer stays with the CPU offline: %s",
	      strerror(errno));
	CHECK(set_cpu1_online(1) == 0 && online_cpus() >= 2, "CPU 1 back");
	if (fd2 >= 0)
		close(fd2);
	if (fd >= 0)
		close(fd);
	if (map_fd >= 0)
		close(map_fd);
	CHECK(wait_debugfs_gone("rt_hotfiles"), "dir removed");
	return TEST_PASS;
}

static const struct selftest selftests[] = {
	{ "create_update_files", test_create_update_files },
	{ "bad_attributes", test_bad_attributes },
	{ "bad_dirnames", test_bad_dirnames },
	{ "name_reused_at_once", test_name_reused_at_once },
	{ "update_rolls_back", test_update_rolls_back },
	{ "memcg_limits_map", test_memcg_limits_map },
	{ "memory_short_enomem", test_memory_short_enomem },
	{ "concurrent_updates", test_concurrent_updates },
	{ "read_mmap_cat_poll", test_read_mmap_cat_poll },
	{ "no_overwrite_keeps_oldest", test_no_overwrite_keeps_oldest },
	{ "overwrite_keeps_newest", test_overwrite_keeps_newest },
	{ "accounting_interleaved_reader", test_accounting_interleaved_reader },
	{ "accounting_concurrent_reader", test_accounting_concurrent_reader },
	{ "accounting_concurrent_small_reads", test_accounting_concurrent_small_reads },
	{ "accounting_concurrent_slow_switch", test_accounting_concurrent_slow_switch },
	{ "cat_full_buffer", test_cat_full_buffer },
	{ "mmap_reader_consumes", test_mmap_reader_consumes },
	{ "mmap_reader_sleeps", test_mmap_reader_sleeps },
	{ "free_wakes_pollers", test_free_wakes_pollers },
	{ "unprivileged_update", test_unprivileged_update },
	{ "teardown_with_hotplug", test_teardown_with_hotplug },
	{ "files_follow_hotplug", test_files_follow_hotplug },
	{ "free_while_open_or_mapped", test_free_while_open },
	{ "name_freed_with_last_user_ref", test_name_freed_with_last_user_ref },
	{ "kfunc_output", test_kfunc_output },
	{ "unprivileged_create", test_unprivileged_create },
	{ "verifier_ties_map_and_helper", test_verifier_ties_map_and_helper },
	{ "bpftool_knows_relay", test_bpftool_knows_relay },
	{ "nested_writers", test_nested_writers },
	{ "nmi_injected", test_nmi_injected },
};

int main(int argc, char **argv)
{
	if (geteuid() != 0) {
		fprintf(stderr, "relay_selftest: must run as root\n");
		return 1;
	}
	if (access(DEBUGFS, F_OK)) {
		fprintf(stderr, "relay_selftest: debugfs is not mounted\n");
		return 1;
	}
	return run_selftests("", selftests, sizeof(selftests) / sizeof(selftests[0]),
			     argc > 1 ? argv[1] : NULL);
}
