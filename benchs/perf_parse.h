/* SPDX-License-Identifier: GPL-2.0 */
/* perf_parse.h: framing of the records in a perf ring. */
#ifndef RLB_PERF_PARSE_H
#define RLB_PERF_PARSE_H

#include "rlb.h"

struct perf_event_header;
/* The record at pos in a perf ring of size bytes, copied whole into buf
 * if it wraps around the end.  NULL if its size cannot be a record's:
 * smaller than its header or larger than buf or the ring; a caller
 * counts that as a framing error.
 */
const struct perf_event_header *
perf_record_at(const void *data, u64 size, u64 pos, void *buf, size_t buflen);

#endif /* RLB_PERF_PARSE_H */
