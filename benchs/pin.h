/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pin.h: the no-reader scenario.  A loader process loads and attaches the
 * producer, pins its link, its counters and its buffer in bpffs, and
 * exits; from then on only the pins keep the buffer alive, until a reader
 * opens it again.
 */
#ifndef RLB_PIN_H
#define RLB_PIN_H

/* Fork the loader: it runs setup, then pins the producer's link, counters
 * and buf_map under our directory in bpffs.  Then the counters and the
 * program are opened from the pins (loader.h).  0, or an exit status
 * with a message.
 */
int rlb_no_reader_load(int (*setup)(void), const char *buf_map);
/* Our directory in bpffs; "" before rlb_no_reader_load(). */
const char *rlb_pin_dir(void);
/* The pinned buffer of dir, for a reader; -1 with a message. */
int rlb_open_pinned_buf(const char *dir);
/* Unpin everything (the programs detach once nothing holds them). */
void rlb_pins_remove(void);

#endif /* RLB_PIN_H */
