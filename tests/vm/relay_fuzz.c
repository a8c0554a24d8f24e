// SPDX-License-Identifier: GPL-2.0
/*
 * relay_fuzz: a seeded bpf(2) fuzzer for BPF_MAP_TYPE_RELAY, run as root in
 * the patched-kernel VM (tests/vm/suite.sh runs a short one).
 *
 * Each iteration issues one BPF_MAP_CREATE with random relay attributes
 * (sizes, flags, map_extra, names, BTF and token fields, the attr size and
 * bytes past the last field), then a few random operations on the maps
 * still alive: updates with dirnames of random bytes and lengths, lookups,
 * deletes, opens, mmaps, reads and polls of their files, and closes of map
 * fds while their files stay open.  A model of kernel/README.md predicts
 * each outcome; a mismatch is a failure.  The same seed replays the same
 * calls: the run prints a hash of every call and its result.
 *
 * Valid sizes are kept small (the total of the live buffers stays under a
 * few MiB): each valid map costs its allocation, about 100 times a
 * refusal, and the fuzzer is after the checks, not the allocator.  Sizes
 * beyond the map's limit still go through, refused with E2BIG.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/btf.h>

#define DEBUGFS		"/sys/kernel/debug"
#define PAGE		4096u
#define MAX_SUBBUF	(64u << 20)
#define MAX_BUF_PER_CPU	(256ull << 20)
#define MAX_MAPS	8
#define MAX_FILES	16
#define MAX_ERRNO	1024
#define MAX_REPORTS	20
/* Largest buffer (all CPUs) a valid attribute set may ask for. */
#define BUDGET		(4u << 20)

#define offsetofend(type, field) \
	(offsetof(type, field) + sizeof(((type *)0)->field))
/* BTF int encoding: signedness, bit offset, bits. */
#define INT_ENC(enc, off, bits) (((enc) << 24) | ((off) << 16) | (bits))

enum op {
	OP_CREATE, OP_UPDATE, OP_LOOKUP, OP_DELETE, OP_NEXT_KEY, OP_OPEN,
	OP_MMAP, OP_READ, OP_POLL, OP_CLOSE_MAP, OP_CLOSE_FILE, NR_OPS,
};

static const char *const op_names[NR_OPS] = {
	"create", "update", "lookup", "delete", "get_next_key", "open",
	"mmap", "read", "poll", "close_map", "close_file",
};

struct live_map {
	int fd;
	bool has_dir;
	__u32 value_size, subbuf, n_subbufs;
	char name[BPF_OBJ_NAME_LEN];
	char dir[257];
};

struct open_file {
	int fd;
	int cpu;
	size_t len;		/* n_subbufs * subbuf */
	void *mapping;
};

static struct live_map maps[MAX_MAPS];
static int nr_maps;
static struct open_file files[MAX_FILES];
static int nr_files;
static unsigned long long outcomes[NR_OPS][MAX_ERRNO];
static unsigned long long failures, name_seq;
static uint64_t rng_state, trace_hash = 1469598103934665603ull;
static int ncpus, btf_fd = -1;
static bool verbose;

/* ---- deterministic randomness (splitmix64) ---- */

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static bool chance(uint32_t percent)
{
	return below(100) < percent;
}

static void hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--) {
		trace_hash ^= *b++;
		trace_hash *= 1099511628211ull;
	}
}

/* ---- outcome bookkeeping ---- */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
	va_list ap;

	failures++;
	if (failures > MAX_REPORTS)
		return;
	fprintf(stderr, "relay_fuzz: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Records one call's result (0 or an errno) and returns it. */
static int outcome(enum op op, int err)
{
	outcomes[op][err >= 0 && err < MAX_ERRNO ? err : MAX_ERRNO - 1]++;
	hash_bytes(&op, sizeof(op));
	hash_bytes(&err, sizeof(err));
	return err;
}

static int sys_bpf(int cmd, void *attr, unsigned int size)
{
	long r = syscall(__NR_bpf, cmd, attr, size);

	return r < 0 ? -errno : (int)r;
}

/* ---- a small BTF object, so that BTF fields can name real types ---- */

static int load_btf(void)
{
	static const char strs[] = "\0int\0";
	struct {
		struct btf_header hdr;
		struct btf_type int_t;
		__u32 int_info;
		struct btf_type arr_t;
		struct btf_array arr;
		char strs[sizeof(strs)];
	} __attribute__((packed)) raw = {
		.hdr = {
			.magic = BTF_MAGIC, .version = BTF_VERSION,
			.hdr_len = sizeof(struct btf_header),
			.type_off = 0,
			.type_len = offsetof(typeof(raw), strs) -
				    sizeof(struct btf_header),
			.str_off = offsetof(typeof(raw), strs) -
				   sizeof(struct btf_header),
			.str_len = sizeof(strs),
		},
		/* [1] int, 4 bytes */
		.int_t = { .name_off = 1, .info = BTF_KIND_INT << 24, .size = 4 },
		.int_info = INT_ENC(BTF_INT_SIGNED, 0, 32),
		/* [2] int[16]: 64 bytes, a plausible value type */
		.arr_t = { .info = BTF_KIND_ARRAY << 24 },
		.arr = { .type = 1, .index_type = 1, .nelems = 16 },
	};
	union bpf_attr attr = {};

	memcpy(raw.strs, strs, sizeof(strs));
	attr.btf = (uintptr_t)&raw;
	attr.btf_size = sizeof(raw);
	return sys_bpf(BPF_BTF_LOAD, &attr, sizeof(attr));
}

/* ---- BPF_MAP_CREATE ---- */

static __u32 pick_u32(const __u32 *interesting, size_t n)
{
	if (chance(80))
		return interesting[below(n)];
	return (__u32)rnd();
}

static void random_name(char *name)
{
	static const char ok[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.";
	size_t i, len = below(BPF_OBJ_NAME_LEN + 1);

	memset(name, 0, BPF_OBJ_NAME_LEN);
	for (i = 0; i < len && i < BPF_OBJ_NAME_LEN; i++)
		name[i] = chance(95) ? ok[below(sizeof(ok) - 1)] : (char)rnd();
}

/*
 * What the kernel accepts in map_name: isalnum(), '_' and '.', then a NUL
 * inside the 16 bytes.  The kernel's isalnum() is Latin-1: 0xc0..0xff are
 * letters, except 0xd7 and 0xf7.
 */
static bool name_valid(const char *name)
{
	size_t i;

	for (i = 0; i < BPF_OBJ_NAME_LEN; i++) {
		unsigned char c = name[i];

		if (!c)
			return true;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      (c >= 0xc0 && c != 0xd7 && c != 0xf7)))
			return false;
	}
	return false;
}

/* The relay map's own field checks (EINVAL); map_create() clears
 * BPF_F_TOKEN_FD first.
 */
static bool relay_attr_valid(const union bpf_attr *a)
{
	__u64 n = a->map_extra ? a->map_extra : 8;
	__u32 flags = a->map_flags & ~BPF_F_TOKEN_FD;

	return a->map_type == BPF_MAP_TYPE_RELAY && a->key_size == 0 &&
	       a->value_size >= 2 && a->value_size <= 256 &&
	       a->max_entries && a->max_entries % PAGE == 0 &&
	       a->max_entries <= MAX_SUBBUF && n >= 2 && n <= 1024 &&
	       !(flags & ~BPF_F_OVERWRITE);
}

/* Valid fields, but more than a CPU's buffer may hold (E2BIG). */
static bool relay_attr_too_big(const union bpf_attr *a)
{
	__u64 n = a->map_extra ? a->map_extra : 8;

	return (__u64)a->max_entries * n > MAX_BUF_PER_CPU;
}

static __u64 buffer_bytes(const union bpf_attr *a)
{
	__u64 n = a->map_extra ? a->map_extra : 8;

	return (__u64)a->max_entries * n * ncpus;
}

/* A valid, small relay attribute set. */
static void valid_attr(union bpf_attr *a)
{
	static const __u64 extras[] = { 0, 2, 3, 4, 8 };

	memset(a, 0, sizeof(*a));
	a->map_type = BPF_MAP_TYPE_RELAY;
	a->value_size = 2 + below(255);
	a->max_entries = PAGE * (1 + below(4));
	a->map_extra = extras[below(5)];
	a->map_flags = chance(50) ? BPF_F_OVERWRITE : 0;
	random_name(a->map_name);
}

/* Changes one field of a to something random or on an edge. */
static void mutate_attr(union bpf_attr *a)
{
	static const __u32 key_sizes[] = { 0, 1, 4, 8, 256, 0xffffffff };
	static const __u32 value_sizes[] = {
		0, 1, 2, 3, 64, 255, 256, 257, 4096, 0x80000000, 0xffffffff,
	};
	static const __u32 max_entries[] = {
		0, 1, 4095, 4096, 4097, 8192, 12288, MAX_SUBBUF,
		MAX_SUBBUF + 4096, MAX_SUBBUF * 2, 0x80000000, 0xfffff000,
		0xffffffff,
	};
	static const __u64 extras[] = {
		0, 1, 2, 3, 8, 1023, 1024, 1025, 1ull << 32, (1ull << 32) | 8,
		~0ull, 1ull << 63,
	};
	static const __u32 fds[] = { 0, 1, 2, 3, 100, 0xffffffff };

	switch (below(14)) {
	case 0:
		a->key_size = pick_u32(key_sizes, 6);
		break;
	case 1:
		a->value_size = pick_u32(value_sizes, 11);
		break;
	case 2:
		a->max_entries = pick_u32(max_entries, 13);
		if (chance(20))
			a->max_entries = PAGE * below(1 << 14);
		break;
	case 3:
		if (chance(50))
			a->map_flags |= 1u << below(32);
		else
			a->map_flags = (__u32)rnd();
		break;
	case 4:
		a->map_extra = chance(80) ? extras[below(12)] : rnd();
		break;
	case 5:
		random_name(a->map_name);
		break;
	case 6:
		memcpy(a->map_name, (uint64_t[2]){ rnd(), rnd() },
		       BPF_OBJ_NAME_LEN);
		break;
	case 7:
		a->btf_fd = chance(60) && btf_fd >= 0 ? (__u32)btf_fd :
			    pick_u32(fds, 6);
		a->btf_key_type_id = below(4);
		a->btf_value_type_id = below(4);
		break;
	case 8:
		a->btf_vmlinux_value_type_id = 1 + below(100);
		break;
	case 9:
		a->map_ifindex = 1 + below(4);
		break;
	case 10:
		a->numa_node = chance(50) ? below(4) : (__u32)rnd();
		break;
	case 11:
		a->inner_map_fd = pick_u32(fds, 6);
		break;
	case 12:
		a->map_token_fd = pick_u32(fds, 6);
		a->value_type_btf_obj_fd = pick_u32(fds, 6);
		break;
	default:
		a->map_type = BPF_MAP_TYPE_RELAY + below(3) - 1;
		break;
	}
}

static bool tail_zero(const unsigned char *p, size_t from, size_t to)
{
	for (; from < to; from++)
		if (p[from])
			return false;
	return true;
}

static void add_map(const union bpf_attr *a, int fd)
{
	struct live_map *m;

	if (nr_maps == MAX_MAPS) {
		/* Evict a random one: its files, if any, stay open. */
		int victim = below(MAX_MAPS);

		close(maps[victim].fd);
		maps[victim] = maps[--nr_maps];
	}
	m = &maps[nr_maps++];
	memset(m, 0, sizeof(*m));
	m->fd = fd;
	m->value_size = a->value_size;
	m->subbuf = a->max_entries;
	m->n_subbufs = a->map_extra ? (__u32)a->map_extra : 8;
	memcpy(m->name, a->map_name, sizeof(m->name));
	m->name[sizeof(m->name) - 1] = 0;
}

/* The attribute buffer: room for a size past PAGE (E2BIG) to be read. */
static unsigned char attr_buf[2 * PAGE];

static void fuzz_create(void)
{
	union bpf_attr *a = (void *)attr_buf, eff;
	size_t size = sizeof(union bpf_attr), end;
	bool predict_ok, relay_ok, tail_ok;
	int fd, err, i, n;

	memset(attr_buf, 0, sizeof(attr_buf));
	valid_attr(a);
	/* Few valid sets: each one allocates buffers, which costs ~100x
	 * more than a refusal, most of all on the debug kernel. */
	n = chance(1) ? 0 : 3 + below(3);
	for (i = 0; i < n; i++)
		mutate_attr(a);
	/* Keep valid sets small: see the comment at the top. */
	if (relay_attr_valid(a) && !relay_attr_too_big(a) &&
	    buffer_bytes(a) > BUDGET) {
		a->max_entries = PAGE;
		a->map_extra = 2;
	}
	/* Bytes past the last field, inside or outside the union. */
	end = offsetofend(union bpf_attr, map_token_fd);
	if (chance(3))
		attr_buf[end + below(sizeof(union bpf_attr) - end)] = 1 + below(255);
	if (chance(5)) {
		switch (below(4)) {
		case 0:
			size = below(end + 1);
			break;
		case 1:
			size = sizeof(union bpf_attr) + 1 + below(64);
			if (chance(50))
				attr_buf[size - 1] = 1;
			break;
		case 2:
			size = offsetofend(union bpf_attr, map_extra);
			break;
		default:
			size = PAGE + below(PAGE);
			break;
		}
	}

	/* What the kernel sees: the first size bytes, the rest zero. */
	memset(&eff, 0, sizeof(eff));
	memcpy(&eff, attr_buf, size < sizeof(eff) ? size : sizeof(eff));
	relay_ok = relay_attr_valid(&eff) && !relay_attr_too_big(&eff);
	tail_ok = size <= PAGE &&
		  (size <= sizeof(eff) || tail_zero(attr_buf, sizeof(eff), size));
	predict_ok = relay_ok && tail_ok &&
		     tail_zero((void *)&eff, end, sizeof(eff)) &&
		     name_valid(eff.map_name) && !eff.btf_key_type_id &&
		     !eff.btf_value_type_id && !eff.btf_vmlinux_value_type_id &&
		     !eff.map_ifindex && !(eff.map_flags & BPF_F_TOKEN_FD);

	hash_bytes(&eff, sizeof(eff));
	hash_bytes(&size, sizeof(size));
	fd = sys_bpf(BPF_MAP_CREATE, attr_buf, size);
	err = outcome(OP_CREATE, fd < 0 ? -fd : 0);
	if (fd >= 0 && !predict_ok) {
		fail("create: accepted type %u key %u value %u max_entries %u flags %#x extra %#llx ifindex %u btf %u/%u/%u size %zu",
		     eff.map_type, eff.key_size, eff.value_size,
		     eff.max_entries, eff.map_flags,
		     (unsigned long long)eff.map_extra, eff.map_ifindex,
		     eff.btf_key_type_id, eff.btf_value_type_id,
		     eff.btf_vmlinux_value_type_id, size);
		close(fd);
		return;
	}
	if (fd < 0 && predict_ok) {
		fail("create: refused (%s) type %u value %u max_entries %u flags %#x extra %#llx size %zu",
		     strerror(err), eff.map_type, eff.value_size,
		     eff.max_entries, eff.map_flags,
		     (unsigned long long)eff.map_extra, size);
		return;
	}
	if (!tail_ok && err != E2BIG) {
		fail("create: attr size %zu with a dirty tail gave %s, want E2BIG",
		     size, strerror(err));
		return;
	}
	/* A relay attribute set the map refuses is EINVAL, whatever else;
	 * valid fields that ask for too much are E2BIG.
	 */
	if (fd < 0 && tail_ok && eff.map_type == BPF_MAP_TYPE_RELAY &&
	    !relay_attr_valid(&eff) && err != EINVAL) {
		fail("create: bad relay attributes gave %s, want EINVAL",
		     strerror(err));
		return;
	}
	/* (map_create() refuses unknown attr bytes past map_token_fd and bad
	 * BTF type ids first, with EINVAL)
	 */
	if (fd < 0 && tail_ok && relay_attr_valid(&eff) &&
	    relay_attr_too_big(&eff) &&
	    tail_zero((void *)&eff, end, sizeof(eff)) &&
	    !eff.btf_vmlinux_value_type_id &&
	    !(eff.btf_key_type_id && !eff.btf_value_type_id) &&
	    err != E2BIG) {
		fail("create: %llu bytes per CPU gave %s, want E2BIG",
		     (unsigned long long)eff.max_entries *
			     (eff.map_extra ? eff.map_extra : 8),
		     strerror(err));
		return;
	}
	if (fd >= 0)
		add_map(&eff, fd);
}

/* ---- operations on live maps ---- */

static void random_dirname(char *v, __u32 size, unsigned int kind)
{
	static const char *const fixed[] = {
		"", ".", "..", "/", "a/b", "../x", "./", "bpf", " ", "\n", "-",
		/* taken in debugfs already */
		"tracing", "kmemleak",
	};
	__u32 len, i;

	memset(v, 0, size);
	switch (kind) {
	case 0:		/* a fresh, valid name */
		snprintf(v, size, "rfz%llx", ++name_seq);
		break;
	case 1:		/* random bytes, no NUL, no '/' */
		len = below(size);
		for (i = 0; i < len; i++) {
			v[i] = (char)(1 + below(255));
			if (v[i] == '/')
				v[i] = '_';
		}
		break;
	case 2:		/* random bytes with a slash somewhere */
		len = 1 + below(size - 1);
		for (i = 0; i < len; i++)
			v[i] = (char)(1 + below(255));
		v[below(len)] = '/';
		break;
	case 3:
		/* Names debugfs already has print a line each: rarely. */
		strncpy(v, fixed[below(chance(2) ? 13 : 11)], size - 1);
		break;
	case 4:		/* no NUL at all inside value_size */
		for (i = 0; i < size; i++)
			v[i] = (char)('a' + below(26));
		break;
	case 5:		/* the longest name that fits */
		for (i = 0; i + 1 < size; i++)
			v[i] = (char)('a' + below(26));
		break;
	default:	/* anything */
		for (i = 0; i < size; i++)
			v[i] = (char)rnd();
		break;
	}
}

/* 0 if the kernel should accept v as a dirname, else EINVAL. */
static int dirname_check(const char *v, __u32 size)
{
	size_t len = strnlen(v, size);

	if (!len || len == size || memchr(v, '/', len))
		return EINVAL;
	if (!strcmp(v, ".") || !strcmp(v, ".."))
		return EINVAL;
	return 0;
}

static void file_path(char *path, size_t n, const struct live_map *m,
		      const char *leaf)
{
	snprintf(path, n, DEBUGFS "/%s/%s", m->dir, leaf);
}

static void fuzz_update(struct live_map *m)
{
	char *value = malloc(m->value_size);
	union bpf_attr a = {};
	bool bad_ptr = chance(3), with_key = chance(3), existed = false;
	int err, want, kind = below(8);
	char path[512];
	struct stat st;

	if (!value)
		abort();
	random_dirname(value, m->value_size, kind);
	a.map_fd = m->fd;
	a.key = with_key ? (uintptr_t)value : 0;
	a.value = bad_ptr ? (chance(50) ? 0 : 8) : (uintptr_t)value;
	a.flags = chance(5) ? (chance(50) ? below(8) : rnd()) : BPF_ANY;

	want = dirname_check(value, m->value_size);
	if (!want) {
		snprintf(path, sizeof(path), DEBUGFS "/%s", value);
		existed = lstat(path, &st) == 0;
	}
	if (a.flags & BPF_F_LOCK)
		want = EINVAL;
	else if (with_key)
		want = EINVAL;
	else if (bad_ptr)
		want = EFAULT;
	else if (a.flags != BPF_ANY)
		want = EINVAL;
	else if (!want && m->has_dir)
		want = EBUSY;
	else if (!want && existed)
		want = EEXIST;

	/* The trace hash takes no pointer: they move with ASLR. */
	hash_bytes(value, m->value_size);
	hash_bytes(&a.flags, sizeof(a.flags));
	hash_bytes(&with_key, sizeof(with_key));
	hash_bytes(&bad_ptr, sizeof(bad_ptr));
	err = sys_bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a));
	err = outcome(OP_UPDATE, -err);
	/* A closed map gives its name back at once: no EEXIST may linger. */
	if (err != want) {
		fail("update: dirname kind %d \"%.40s\" flags %#llx key %d bad value %d: got %s, want %s",
		     kind, value, (unsigned long long)a.flags, with_key,
		     bad_ptr, strerror(err), strerror(want));
	} else if (!err) {
		m->has_dir = true;
		snprintf(m->dir, sizeof(m->dir), "%s", value);
		file_path(path, sizeof(path), m, "stats");
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			fail("update: %s missing", path);
	}
	free(value);
}

static void fuzz_no_elem_op(struct live_map *m, enum op op)
{
	static const int cmds[] = {
		[OP_LOOKUP] = BPF_MAP_LOOKUP_ELEM,
		[OP_DELETE] = BPF_MAP_DELETE_ELEM,
		[OP_NEXT_KEY] = BPF_MAP_GET_NEXT_KEY,
	};
	char value[256], key[8] = {};
	union bpf_attr a = {};
	bool with_key = chance(20);
	int err, want = EOPNOTSUPP;

	a.map_fd = m->fd;
	a.key = with_key ? (uintptr_t)key : 0;
	/* Each command checks that the fields past its own are zero. */
	if (op == OP_NEXT_KEY)
		a.next_key = (uintptr_t)key;
	else if (op == OP_LOOKUP)
		a.value = (uintptr_t)value;
	if (op == OP_LOOKUP && chance(10))
		a.flags = 1ull << below(64);
	if (with_key || a.flags)
		want = EINVAL;
	hash_bytes(&a.flags, sizeof(a.flags));
	hash_bytes(&with_key, sizeof(with_key));
	err = outcome(op, -sys_bpf(cmds[op], &a, sizeof(a)));
	if (err != want)
		fail("%s: key %d flags %#llx: got %s, want %s", op_names[op],
		     with_key, (unsigned long long)a.flags, strerror(err),
		     strerror(want));
}

static void file_leaf(char *leaf, size_t n, const struct live_map *m, int cpu)
{
	snprintf(leaf, n, "%s%d", m->name[0] ? m->name : "cpu", cpu);
}

static void fuzz_open(struct live_map *m)
{
	char leaf[64], path[512], stats[4096];
	struct open_file *f;
	int cpu = below(ncpus + 1), fd, err;
	ssize_t n;

	if (!m->has_dir)
		return;
	if (cpu == ncpus) {
		/* The stats file: a header line, then one line per CPU. */
		file_path(path, sizeof(path), m, "stats");
		fd = open(path, O_RDONLY);
		err = outcome(OP_OPEN, fd < 0 ? errno : 0);
		if (fd < 0) {
			fail("open %s: %s", path, strerror(err));
			return;
		}
		n = read(fd, stats, sizeof(stats) - 1);
		close(fd);
		stats[n > 0 ? n : 0] = 0;
		if (strncmp(stats, "cpu written dropped overwritten bytes\n0 0 0 0 0\n", 48))
			fail("stats of an unused map: %.80s", stats);
		return;
	}
	if (nr_files == MAX_FILES)
		return;
	file_leaf(leaf, sizeof(leaf), m, cpu);
	file_path(path, sizeof(path), m, leaf);
	fd = open(path, O_RDONLY);
	err = outcome(OP_OPEN, fd < 0 ? errno : 0);
	if (fd < 0) {
		fail("open %s: %s", path, strerror(err));
		return;
	}
	f = &files[nr_files++];
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->cpu = cpu;
	f->len = (size_t)m->n_subbufs * m->subbuf;
	f->mapping = MAP_FAILED;
}

/* A buffer nothing wrote to: one header in sub-buffer 0, zeroes after. */
static bool fresh_buffer_ok(const unsigned char *p, size_t len, int cpu)
{
	const struct bpf_relay_subbuf_hdr *h = (const void *)p;
	size_t i;

	if (h->len != sizeof(*h) || h->type != BPF_RELAY_HDR_SUBBUF ||
	    h->seq != 1 || h->committed != 0 || h->cpu != (__u32)cpu ||
	    h->dropped != 0)
		return false;
	for (i = sizeof(*h); i < len; i++)
		if (p[i])
			return false;
	return true;
}

static void fuzz_file_op(struct open_file *f)
{
	unsigned char buf[512];
	struct pollfd pfd;
	int err, want;
	ssize_t n, off;
	void *p;

	switch (below(3)) {
	case 0:
		if (f->mapping != MAP_FAILED) {
			if (!fresh_buffer_ok(f->mapping, f->len, f->cpu))
				fail("mapping of cpu %d is not a fresh buffer",
				     f->cpu);
			munmap(f->mapping, f->len);
			f->mapping = MAP_FAILED;
			break;
		}
		/* Any other length than the whole buffer is refused. */
		want = chance(30) ? EINVAL : 0;
		p = mmap(NULL, want ? f->len + PAGE : f->len, PROT_READ,
			 MAP_SHARED, f->fd, 0);
		err = outcome(OP_MMAP, p == MAP_FAILED ? errno : 0);
		if (err != want)
			fail("mmap %zu bytes: got %s, want %s",
			     want ? f->len + PAGE : f->len, strerror(err),
			     strerror(want));
		if (p != MAP_FAILED && want)
			munmap(p, f->len + PAGE);
		else if (p != MAP_FAILED)
			f->mapping = p;
		break;
	case 1:
		/* Nothing ever wrote: only sub-buffer headers may come. */
		n = read(f->fd, buf, sizeof(buf));
		outcome(OP_READ, n < 0 ? errno : 0);
		if (n < 0)
			fail("read: %s", strerror(errno));
		for (off = 0; n > 0 && off + 8 <= n; off += 32) {
			const __u32 *w = (const void *)(buf + off);

			if (w[0] != 32 || w[1] != BPF_RELAY_HDR_SUBBUF) {
				fail("read: unit %u/%u at %zd", w[0], w[1], off);
				break;
			}
		}
		break;
	default:
		pfd = (struct pollfd){ .fd = f->fd, .events = POLLIN };
		n = poll(&pfd, 1, 0);
		outcome(OP_POLL, n < 0 ? errno : 0);
		if (n < 0 || (pfd.revents & POLLIN))
			fail("poll: %zd revents %#x on an empty buffer", n,
			     pfd.revents);
		break;
	}
}

static void close_file(int i)
{
	struct open_file *f = &files[i];

	if (f->mapping != MAP_FAILED) {
		if (!fresh_buffer_ok(f->mapping, f->len, f->cpu))
			fail("mapping of cpu %d is not a fresh buffer", f->cpu);
		munmap(f->mapping, f->len);
	}
	outcome(OP_CLOSE_FILE, close(f->fd) ? errno : 0);
	files[i] = files[--nr_files];
}

static void close_map(int i)
{
	outcome(OP_CLOSE_MAP, close(maps[i].fd) ? errno : 0);
	maps[i] = maps[--nr_maps];
}

static void fuzz_ops(void)
{
	int n = chance(30) ? 1 + below(3) : 0, i;

	for (i = 0; i < n; i++) {
		unsigned int what = below(100);

		if (what < 55 && nr_maps) {
			struct live_map *m = &maps[below(nr_maps)];

			if (what < 25)
				fuzz_update(m);
			else if (what < 31)
				fuzz_no_elem_op(m, OP_LOOKUP + below(3));
			else
				fuzz_open(m);
		} else if (what < 85 && nr_files) {
			fuzz_file_op(&files[below(nr_files)]);
		} else if (what < 88 && nr_maps) {
			close_map(below(nr_maps));
		} else if (nr_files) {
			close_file(below(nr_files));
		}
	}
}

/* ---- main ---- */

static int parse_ull(const char *s, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || !*s || *end || *s == '-' ? -1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: relay_fuzz [--seed N] [--iterations N] [--verbose]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	unsigned long long seed = 1, iterations = 10000, it, distinct = 0;
	struct timespec t0, t1;
	double secs;
	int c, op, e;

	while ((c = getopt_long(argc, argv, "s:i:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_ull(optarg, &seed)) {
				fprintf(stderr, "relay_fuzz: bad seed: %s\n", optarg);
				return 2;
			}
			break;
		case 'i':
			if (parse_ull(optarg, &iterations) || !iterations) {
				fprintf(stderr, "relay_fuzz: bad iteration count: %s\n", optarg);
				return 2;
			}
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (geteuid() != 0) {
		fprintf(stderr, "relay_fuzz: must run as root\n");
		return 1;
	}
	if (access(DEBUGFS "/", W_OK)) {
		fprintf(stderr, "relay_fuzz: debugfs is not mounted\n");
		return 1;
	}
	ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	rng_state = seed;
	btf_fd = load_btf();
	if (btf_fd < 0)
		fprintf(stderr, "relay_fuzz: no BTF object (%s), BTF fields get random fds\n",
			strerror(-btf_fd));
	setvbuf(stdout, NULL, _IOLBF, 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (it = 0; it < iterations; it++) {
		fuzz_create();
		fuzz_ops();
		if (verbose && it && it % 100000 == 0)
			printf("relay_fuzz: %llu iterations, %llu failures\n",
			       it, failures);
	}
	while (nr_files)
		close_file(nr_files - 1);
	while (nr_maps)
		close_map(nr_maps - 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("relay_fuzz: seed %llu, %llu iterations in %.1f s, trace %016llx\n",
	       seed, iterations, secs, (unsigned long long)trace_hash);
	for (op = 0; op < NR_OPS; op++) {
		bool any = false;

		for (e = 0; e < MAX_ERRNO; e++) {
			if (!outcomes[op][e])
				continue;
			if (!any)
				printf("  %-12s", op_names[op]);
			any = true;
			distinct++;
			if (!e)
				printf(" ok %llu", outcomes[op][e]);
			else if (strerrorname_np(e))
				printf(" %s %llu", strerrorname_np(e),
				       outcomes[op][e]);
			else
				printf(" errno%d %llu", e, outcomes[op][e]);
		}
		if (any)
			printf("\n");
	}
	printf("relay_fuzz: %llu distinct outcomes, %llu failures\n", distinct,
	       failures);
	if (btf_fd >= 0)
		close(btf_fd);
	return failures ? 1 : 0;
}
