/* SPDX-License-Identifier: GPL-2.0 */
/*
 * run.h: the run loop -- producer and consumer threads, warm-up, measured
 * iterations, stop, drain, accounting -- and what it offers the plugins'
 * readers.
 */
#ifndef RLB_RUN_H
#define RLB_RUN_H

#include <signal.h>
#include "consumer.h"

struct rlb_result;

extern int rlb_stop_producers; /* producers exit */
extern int rlb_stop_consumers; /* consumers drain and exit */
extern volatile sig_atomic_t rlb_interrupted;
extern struct rlb_consumer rlb_consumers[RLB_MAX_THREADS];

/* --compat b2b: a consumer fires the next batch itself once it has drained
 * the last one (until producers are told to stop).
 */
void rlb_b2b_trigger(void);
void rlb_consumers_total(struct rlb_sample *s);
/* Produced and dropped from the producer's counters, consumed from the
 * consumers: what rlb_run.measure does unless a plugin says otherwise.
 */
void rlb_measure_common(struct rlb_sample *s);
/* The same at the end, with lost from the consumers' seq gaps and what
 * they never saw of what was written; in_buffer is the plugin's to set.
 */
void rlb_account_common(struct loss_accounting *a);

/* Warm up, measure env.iterations windows, stop, drain, account. */
int rlb_run(struct rlb_result *r);

#endif /* RLB_RUN_H */
