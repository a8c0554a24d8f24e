# shellcheck shell=bash
# overwrite: every mechanism gets the same bytes of buffer; producers on
# every CPU write well past capacity with nobody reading; then one snapshot
# read.  Reported in .snapshot: retention (recovered / records that fit),
# freshness (newest present, ages of the oldest and newest recovered),
# integrity (torn, duplicates, seq breaks), and the producer's cost while it
# overwrites.  Mechanisms without overwrite run too: they keep the oldest.

OVERWRITE_BENCHS=(
	"relay-mmap --overwrite" "relay-cat --overwrite" relay-mmap
	"ringbuf-custom --overwrite" ringbuf-custom
	"perfbuf-custom --overwrite" perfbuf-custom
	percpu
)
OVERWRITE_BUF=$((1 << 20))

scenario_overwrite() {
	rlb_run_every_cpu "$OVERWRITE_BUF" "${OVERWRITE_BENCHS[@]}"
}
