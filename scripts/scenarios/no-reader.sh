# shellcheck shell=bash
# no-reader: a loader attaches the producer, pins link, counters and buffer
# in bpffs and exits; producers run with no process reading; then a reader
# recovers what it can from the pins or the relay debugfs files (mmap and
# cat).  The perf buffer cannot outlive its reader: it runs, and reports
# recovered = 0.  Every pin is removed at the end, after Ctrl-C too.

NO_READER_BENCHS=(
	"relay-mmap --overwrite" "relay-cat --overwrite" relay-mmap relay-cat
	"ringbuf-custom --overwrite" ringbuf-custom ringbuf-libbpf
	"perfbuf-custom --overwrite" perfbuf-custom perfbuf-libbpf
	percpu
)
NO_READER_BUF=$((1 << 20))

scenario_no_reader() {
	rlb_run_every_cpu "$NO_READER_BUF" "${NO_READER_BENCHS[@]}"
}
