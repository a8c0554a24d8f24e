/* SPDX-License-Identifier: GPL-2.0 */
/* meta.h: where and with what a result was measured. */
#ifndef RLB_META_H
#define RLB_META_H

#include "rlb.h"

struct json;

struct bench_meta {
	char kernel[128];
	char config_sha256[72];
	char cpu_model[128];
	int nproc;
	bool hypervisor;
	bool relay_map; /* the patched kernel's mechanisms are there */
	const char *where; /* "vm" or "native" */
	char accelerator[16]; /* scripts/vm.sh's guest: "kvm" or "tcg"; "none" */
	/* "wall", or "icount": every guest ns is one guest instruction */
	char time_base[16];
	const char *git_rev;
	double started_unix_s; /* wall clock at the start, to pair A/B rounds */
};

void meta_collect(struct bench_meta *m, bool patched_kernel);
void meta_json(struct json *j, const struct bench_meta *m);

#endif /* RLB_META_H */
