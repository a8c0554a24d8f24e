// SPDX-License-Identifier: GPL-2.0
/* pin.c: the no-reader loader and its pins in bpffs (pin.h). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pin.h"
#include "loader.h"

#define BPFFS "/sys/fs/bpf"
#define PIN_PREFIX "relaybench-"

static char pin_dir[64];

const char *rlb_pin_dir(void)
{
	return pin_dir;
}

static int pin_one(int err, const char *dir, const char *name,
		   int (*pin)(const void *obj, const char *path),
		   const void *obj)
{
	char path[128];

	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (pin(obj, path)) {
		fprintf(stderr, "cannot pin %s: %s\n", path, strerror(errno));
		return EXIT_ENV;
	}
	return 0;
}

static int pin_link(const void *link, const char *path)
{
	return bpf_link__pin((struct bpf_link *)link, path);
}

static int pin_map(const void *map, const char *path)
{
	return bpf_map__pin((struct bpf_map *)map, path);
}

static int pin_producer(const char *dir, const char *buf_map)
{
	struct bpf_map *counters = rlb_producer_map("rlb_counters"),
		       *buf = rlb_producer_map(buf_map);
	int err = counters && buf ? 0 : EXIT_ENV;

	err = pin_one(err, dir, "link", pin_link, rlb_producer.link);
	err = pin_one(err, dir, "counters", pin_map, counters);
	return pin_one(err, dir, "buf", pin_map, buf);
}

static int open_pin(const char *dir, const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr, "cannot open pinned %s: %s\n", path,
			strerror(errno));
	return fd;
}

int rlb_open_pinned_buf(const char *dir)
{
	return open_pin(dir, "buf");
}

/* The driver never holds the buffer: only the counters and the program, to
 * measure the producer while nobody reads.
 */
static int open_pinned_stats(const char *dir)
{
	struct bpf_link_info info = {};
	u32 len = sizeof(info);
	int link_fd;

	rlb_producer.counters_fd = open_pin(dir, "counters");
	link_fd = open_pin(dir, "link");
	if (rlb_producer.counters_fd < 0 || link_fd < 0) {
		if (link_fd >= 0)
			close(link_fd);
		return EXIT_ENV;
	}
	if (!bpf_link_get_info_by_fd(link_fd, &info, &len))
		rlb_producer.prog_fd = bpf_prog_get_fd_by_id(info.prog_id);
	close(link_fd);
	return 0;
}

static void remove_pin_dir(const char *dir)
{
	static const char *const names[] = { "link", "counters", "buf" };
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	if (rmdir(dir) && errno != ENOENT)
		fprintf(stderr, "warning: cannot remove %s: %s\n", dir,
			strerror(errno));
}

/* A run killed with SIGKILL leaves its pins behind: remove those whose
 * process is gone, so programs do not stay attached forever.
 */
static void remove_stale_pins(void)
{
	char path[300];
	struct dirent *de;
	DIR *d = opendir(BPFFS);
	long pid;

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, PIN_PREFIX, strlen(PIN_PREFIX)))
			continue;
		pid = strtol(de->d_name + strlen(PIN_PREFIX), NULL, 10);
		if (pid > 0 && kill((pid_t)pid, 0) && errno == ESRCH) {
			snprintf(path, sizeof(path), BPFFS "/%s", de->d_name);
			fprintf(stderr, "note: removing stale pins %s\n", path);
			remove_pin_dir(path);
		}
	}
	if (d)
		closedir(d);
}

static int mount_bpffs(void)
{
	struct statfs st;

	if (!statfs(BPFFS, &st) && st.f_type == 0xcafe4a11) /* BPF_FS_MAGIC */
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, NULL)) {
		fprintf(stderr, "bpffs not mounted and cannot mount it: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	return 0;
}

/* The loader is a child that loads, attaches, pins and exits: from then on
 * no process holds the buffer, only the pins keep it alive.
 */
int rlb_no_reader_load(int (*setup)(void), const char *buf_map)
{
	int err = mount_bpffs(), status;
	pid_t pid;

	if (err)
		return err;
	remove_stale_pins();
	snprintf(pin_dir, sizeof(pin_dir), BPFFS "/" PIN_PREFIX "%d",
		 (int)getpid());
	if (mkdir(pin_dir, 0700)) {
		fprintf(stderr, "cannot create %s: %s\n", pin_dir,
			strerror(errno));
		pin_dir[0] = '\0';
		return EXIT_ENV;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "cannot fork the loader: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	if (pid == 0) {
		err = setup();
		if (!err)
			err = pin_producer(pin_dir, buf_map);
		fflush(NULL);
		_exit(err);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return EXIT_ENV;
	if (WEXITSTATUS(status))
		return WEXITSTATUS(status);
	return open_pinned_stats(pin_dir);
}

void rlb_pins_remove(void)
{
	if (pin_dir[0])
		remove_pin_dir(pin_dir);
	pin_dir[0] = '\0';
}
