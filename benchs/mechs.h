/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mechs.h: the mechanisms, one line each, in the order every result lists
 * their knobs in params.  RLB_MECH(name) is defined by whoever includes
 * this; benchs/bench_<name>.c defines struct rlb_mech rlb_mech_<name>, and
 * the build finds the file from this line.
 */
RLB_MECH(ringbuf);
RLB_MECH(perfbuf);
RLB_MECH(relay);
RLB_MECH(percpu);
