#!/usr/bin/env bash
# tests/scripts/test_interrupt.sh: Ctrl-C at any moment stops every
# long-running script cleanly.  Each trial starts one script the way a
# terminal runs a foreground command (its own process group, SIGINT not
# ignored: job control on), sends SIGINT to that group at a seeded random
# moment (during setup, while a bench runs, between two benches, or
# anywhere), and checks what a user would find afterwards: exit 130, no
# DIR.partial and no result directory, no process of the group left, no
# bpffs pin, no BPF program or map that nobody holds, no guest and no VM
# run directory, nothing left in the script's TMPDIR.  Both CPUs are kept
# busy by a spinning process each, as on a loaded machine.
#
# usage: tests/scripts/test_interrupt.sh [--moments N] [--seed S]
#                                        [--scripts LIST] [--no-hog]
#   --moments N   trials (default 20), spread over the scripts in turn
#   --scripts     comma list out of: run_all,run_all_vm,ab,tune_subbuf,
#                 compat,validate_compare,vm (default: all)
set -uo pipefail

NAME=test_interrupt
# shellcheck source=tests/scripts/testlib.sh
. "$(dirname "$0")/testlib.sh"

moments=20
seed=1
hog=1
scripts=run_all,run_all_vm,ab,tune_subbuf,compat,validate_compare,vm
usage() {
	echo "usage: tests/scripts/test_interrupt.sh [--moments N] [--seed S] [--scripts LIST] [--no-hog]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--moments) [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || usage; moments=$2; shift ;;
	--seed) [ $# -ge 2 ] && [[ $2 =~ ^[0-9]+$ ]] || usage; seed=$2; shift ;;
	--scripts) [ $# -ge 2 ] || usage; scripts=$2; shift ;;
	--no-hog) hog=0 ;;
	*) usage ;;
	esac
	shift
done
IFS=, read -r -a names <<<"$scripts"
for n in "${names[@]}"; do
	case $n in run_all|run_all_vm|ab|tune_subbuf|compat|validate_compare|vm) ;; *) usage ;; esac
done
need_bench

TMP=$(mktemp -d)
# The VM writes through the repository share: VM outputs live under build/.
VMTMP=$ROOT/build/test-interrupt.$$
mkdir -p "$VMTMP"
hogs=()
finish() {
	local p
	for p in "${hogs[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$TMP" "$VMTMP"
}
trap finish EXIT
trap 'exit 130' INT TERM

if [ "$hog" = 1 ]; then
	for cpu in $(seq 0 $(($(nproc) - 1))); do
		taskset -c "$cpu" bash -c 'while :; do :; done' &
		hogs+=($!)
	done
fi

# cmd=(the command line of one script, writing into OUT)
# shellcheck disable=SC2054 # the commas are option values
set_cmd() {	# NAME OUT
	local s=$ROOT/scripts
	case $1 in
	run_all) cmd=("$s/run_all.sh" --native --quick --only high-rate,no-reader --mechanisms percpu,ringbuf --out "$2") ;;
	run_all_vm) cmd=("$s/run_all.sh" --vm --quick --only no-reader,high-rate --mechanisms relay --out "$2") ;;
	ab) cmd=("$s/ab.sh" "$BENCH" "$BENCH" --smoke --only high-rate,no-reader --mechanisms percpu,ringbuf --rounds 3 --out "$2") ;;
	tune_subbuf) cmd=("$s/tune_subbuf.sh" --rate 10000 --size 64 --subbufs 4096,16384 --counts 2,4 --quick --out "$2") ;;
	compat) cmd=("$s/compat.sh" --quick --repeats 2 --modes b2b --benches rb-libbpf --out "$2") ;;
	validate_compare) cmd=("$s/validate_compare.sh" --work 5 --trials 3 --rounds 3 --out "$2") ;;
	vm) cmd=("$s/vm.sh" -- "$BENCH" relay-mmap --overwrite -w 1 -d 1 -i 20 --json) ;;
	esac
}
in_vm() { case $1 in run_all_vm|tune_subbuf|vm) return 0 ;; esac; return 1; }

# compat.sh builds the kernel's own bench once (about a minute): not a
# moment worth spending the trials on.
if [[ ",$scripts," == *,compat,* ]]; then
	"$ROOT/scripts/kernel_bench.sh" build >/dev/null 2>"$TMP/kbench.err" ||
		{ echo "$NAME: cannot build the kernel bench: $(tail -1 "$TMP/kbench.err")" >&2; exit 1; }
fi
if [[ ",$scripts," =~ ,(run_all_vm|tune_subbuf|vm), ]]; then
	make -s -C "$ROOT" kernel >/dev/null || { echo "$NAME: cannot build the kernel" >&2; exit 1; }
fi

# Programs and maps that some process holds: a bench still running is not a
# leak; an object nobody holds and that still exists is (pinned or attached).
held_ids() {
	grep -hoE '^(prog_id|map_id|link_id):[[:space:]]*[0-9]+' /proc/[0-9]*/fdinfo/* 2>/dev/null |
		sed -E 's/_id:[[:space:]]*/ /' | sort -u
}
BPFTOOL=$("$ROOT/kernel/build.sh" path tools)/bin/bpftool
all_ids() {
	local kind
	for kind in prog map link; do
		"$BPFTOOL" "$kind" list -j 2>/dev/null | jq -r --arg k "$kind" '.[] | "\($k) \(.id)"'
	done | sort -u
}
ours_pins() { find /sys/fs/bpf -maxdepth 1 -name 'relaybench-*' 2>/dev/null | sort; }
guests() { pgrep -f "qemu-system-x86_64.*rb_share=$ROOT " || true; }
vm_runs() { find "$ROOT/build/vm" -maxdepth 1 -name 'run.*' 2>/dev/null | sort; }

# The processes doing a script's work: scripts/lib.sh runs them in a session
# of their own, each with LIB_WORKER=<the script's pid> in its environment.
session_of() {	# PID
	grep -lsxz "LIB_WORKER=$1" /proc/[0-9]*/environ | cut -d/ -f3 || true
}
# pids of the bench processes started by the script PID
benches_in() {
	local p
	for p in $(session_of "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" != bench ] || echo "$p"
	done
}

# Wait (polling every 10 ms, at most SECS) until CONDITION succeeds.
wait_until() {	# SECS CONDITION...
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.01
	done
}
group_alive() { kill -0 -- "-$1" 2>/dev/null; }
bench_running() { [ -n "$(benches_in "$1")" ]; }
bench_gone() { [ -z "$(benches_in "$1")" ]; }
guest_up() { [ -n "$(guests)" ]; }

RANDOM=$seed
kinds=(setup bench between anywhere)
pins_before=$(ours_pins)
guests_before=$(guests)
runs_before=$(vm_runs)
set -m	# every trial in its own process group
for i in $(seq 0 $((moments - 1))); do
	name=${names[i % ${#names[@]}]}
	kind=${kinds[(i / ${#names[@]}) % ${#kinds[@]}]}
	# the ms of delay within the moment, from the seeded generator
	jitter=$((RANDOM % 1000))
	out=$TMP/out-$i
	in_vm "$name" && out=$VMTMP/out-$i
	tmpdir=$TMP/tmp-$i
	mkdir -p "$tmpdir"
	ids_before=$(all_ids)
	set_cmd "$name" "$out"
	# As a terminal starts it: SIGINT at its default even where this test
	# inherited it ignored (a CI runner that starts make in the background)
	TMPDIR=$tmpdir env --default-signal=INT "${cmd[@]}" </dev/null >"$TMP/log-$i" 2>&1 &
	pid=$! pgid=$!
	what=$kind
	case $kind in
	setup)
		sleep "$(printf '0.%03d' "$jitter")"
		;;
	bench)
		if in_vm "$name"; then
			wait_until 60 guest_up && sleep $((3 + jitter % 6))
			what="guest running"
		else
			wait_until 90 bench_running "$pgid" && sleep "$(printf '0.%03d' $((jitter / 2)))"
		fi
		;;
	between)
		if in_vm "$name"; then
			wait_until 60 guest_up && sleep "$(printf '0.%03d' "$jitter")"
			what="guest booting"
		else
			# right after the first bench of the run exits
			wait_until 90 bench_running "$pgid" && wait_until 60 bench_gone "$pgid"
		fi
		;;
	anywhere)
		sleep "$((jitter % 8)).$((jitter % 10))"
		;;
	esac
	if ! group_alive "$pgid"; then
		wait "$pid"
		nok "$name at '$what' (trial $i): it ended (rc $?) before the interrupt: $(tail -1 "$TMP/log-$i")"
		continue
	fi
	kill -INT -- "-$pgid"
	t0=$SECONDS
	wait "$pid"
	rc=$?
	# A script killed by the signal itself (no trap) would show 130 too:
	# the checks below then see what it did not clean.
	wait_until 10 bash -c "! kill -0 -- -$pgid 2>/dev/null"
	left_procs=$( (pgrep -g "$pgid"; session_of "$pid") | sort -u | tr '\n' ' ')
	! grep -q 'stopping processes left behind' "$TMP/log-$i" || left_procs+="(stopped by the script: $(grep -o 'behind: .*' "$TMP/log-$i"))"
	leaks=""
	[ ! -e "$out.partial" ] || leaks+=" $out.partial"
	[ ! -e "$out" ] || leaks+=" $out"
	[ "$(ours_pins)" = "$pins_before" ] || leaks+=" pins: $(ours_pins | tr '\n' ' ')"
	[ "$(guests)" = "$guests_before" ] || leaks+=" guest"
	[ "$(vm_runs)" = "$runs_before" ] || leaks+=" vm run dir"
	[ -z "$(ls -A "$tmpdir")" ] || leaks+=" TMPDIR: $(ls -A "$tmpdir" | tr '\n' ' ')"
	# new objects that nobody holds, twice a second apart (an object of
	# another process that exits between two listings is not ours)
	unheld=$(comm -13 <(echo "$ids_before") <(comm -23 <(all_ids) <(held_ids)))
	[ -z "$unheld" ] || { sleep 1; unheld=$(comm -12 <(echo "$unheld") <(comm -23 <(all_ids) <(held_ids))); }
	[ -z "$unheld" ] || leaks+=" BPF objects nobody holds: $(echo "$unheld" | tr '\n' ' ')"
	check "$name interrupted at '$what' (trial $i, ${jitter} ms): exit 130 in $((SECONDS - t0)) s (rc $rc)" [ "$rc" -eq 130 ]
	check "$name interrupted at '$what' (trial $i): nothing left${left_procs:+ (processes: $left_procs)}${leaks:+ ($leaks)}" \
		[ -z "$left_procs" -a -z "$leaks" ]
	if [ "$rc" -ne 130 ] || [ -n "$left_procs$leaks" ]; then
		sed 's/^/    | /' "$TMP/log-$i" | tail -n 8
	fi
done
set +m
summary
