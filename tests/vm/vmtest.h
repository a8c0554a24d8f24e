/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the VM tests: CPU pinning, the trigger, and waits for
 * what the kernel does asynchronously after a map is freed.
 */
#ifndef RELAYBENCH_VMTEST_H
#define RELAYBENCH_VMTEST_H

#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define VMTEST_DEBUGFS "/sys/kernel/debug"

static inline int online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

static inline int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static inline void unpin(void)
{
	cpu_set_t set;
	int cpu;

	CPU_ZERO(&set);
	for (cpu = 0; cpu < online_cpus(); cpu++)
		CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Each getpgid() fires the producers' tracepoint once. */
static inline void trigger(long n)
{
	while (n-- > 0)
		syscall(SYS_getpgid, 0);
}

/* A map's debugfs directory goes with its last user reference (an fd or a
 * pin), which a library may drop late: wait up to 10 s for it to go. */
static inline bool wait_debugfs_gone(const char *dir)
{
	char path[256];
	int i;

	snprintf(path, sizeof(path), VMTEST_DEBUGFS "/%s", dir);
	for (i = 0; i < 1000; i++) {
		if (access(path, F_OK))
			return true;
		usleep(10000);
	}
	return false;
}

/* Maps are freed from a workqueue: give POLLERR a moment to come. */
static inline bool wait_pollerr(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int i;

	for (i = 0; i < 500; i++) {
		if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR))
			return true;
		usleep(10000);
	}
	return false;
}

#endif
