// SPDX-License-Identifier: GPL-2.0
/* The relay producer through the kfunc: see rlb_relay.bpf.c. */
#define RLB_RELAY_KFUNC
#include "rlb_relay.bpf.c"
