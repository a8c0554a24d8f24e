# shellcheck shell=bash
# rfc-modes: the kernel bench's modes (bench --compat: one producer on its
# own CPU, 500-record batches, the kernel bench's bare 8-byte record), where
# the RFC states its relay claims against ringbuf-libbpf: 2.3x with sampled
# wakeups, 1.8x back to back.  Relay wakes per sub-buffer, so in sampled
# mode its sub-buffer holds 500 records (see benchs/options.c, --compat);
# in parallel mode the others wake per record and relay per 64 KiB, which
# is no like-for-like comparison and is reported as such.

RFC_MODES=(parallel sampled b2b)
RFC_MODES_BENCHS=(relay-read relay-mmap ringbuf-libbpf perfbuf-libbpf)

scenario_rfc_modes() {
	local m b
	for m in "${RFC_MODES[@]}"; do
		for b in "${RFC_MODES_BENCHS[@]}"; do
			rlb_run "$b" --compat "$m" --kernel-record
		done
	done
}
