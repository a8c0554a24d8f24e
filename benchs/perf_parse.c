// SPDX-License-Identifier: GPL-2.0
/* perf_parse.c: framing of the records in a perf ring.  Pure, so the unit
 * tests can feed it malformed sizes.
 */
#include <string.h>
#include <linux/perf_event.h>
#include "perf_parse.h"

const struct perf_event_header *
perf_record_at(const void *data, u64 size, u64 pos, void *buf, size_t buflen)
{
	const char *ring = data;
	u64 off = pos % size, first = size - off, len;
	const struct perf_event_header *e = (const void *)(ring + off);

	/* perf keeps records 8-byte aligned, so a header never wraps */
	if (first < sizeof(*e))
		return NULL;
	/* read once: the ring is shared with the kernel, the copy is not */
	len = __atomic_load_n(&e->size, __ATOMIC_RELAXED);
	if (len < sizeof(*e) || len % 8 || len > buflen || len > size)
		return NULL;
	if (len <= first)
		return e;
	memcpy(buf, ring + off, first);
	memcpy((char *)buf + first, ring, len - first);
	((struct perf_event_header *)buf)->size = len;
	return buf;
}
