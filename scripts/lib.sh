# shellcheck shell=bash
# scripts/lib.sh: what the orchestration scripts share.  Source it after
# setting PROG (the name that starts every message):
#
#   lib_die MSG [STATUS]    one line on stderr, exit STATUS (default 1);
#                           after a command that exited 130 or 143, exit
#                           with that status instead (it was interrupted)
#   lib_bad MSG             the same, exit 2 (bad input)
#   lib_posint OPTION VALUE [MAX]
#                           VALUE is a whole number 1..MAX, or exit 2
#   lib_mechanisms BENCH    the mechanisms BENCH's variant table knows, one
#                           a line (from `BENCH --list --json`)
#   lib_check_mechanisms BENCH LIST
#                           every name of the comma LIST is one, or exit 2
#   lib_on_exit CMD         run CMD (eval'd) when the script exits, the
#                           last one added first; $LIB_RC is the exit status
#   lib_tmpdir              a private directory in $LIB_TMP, removed at exit
#   lib_partial OUT         results are written into $PARTIAL (OUT.partial),
#                           removed at exit unless published
#   lib_publish             renames OUT.partial to OUT
#   lib_keep_partial        leaves OUT.partial at exit (failed measurements
#                           worth reading)
#
# Ctrl-C and SIGTERM exit 130 and 143 through the exit handlers, so that a
# script interrupted between two commands cleans up exactly as one
# interrupted inside one.  The handlers run with both signals ignored: a
# second Ctrl-C cannot cut a cleanup short.  (A script started in the
# background of a shell without job control has SIGINT ignored from the
# start, and bash cannot trap it then; a terminal's Ctrl-C never meets
# that case: tests/scripts/test_interrupt.sh starts scripts the way a
# terminal does.)  Source lib.sh first, before any command that forks (a
# $(...) included: bash can lose a Ctrl-C while it waits for one) and
# before any `cd` (the work reruns "$0").

PROG=${PROG:-${0##*/}}

# Bash loses a Ctrl-C that lands while it reaps a foreground child that has
# just exited normally: it takes the child to have handled the signal, skips
# the INT trap and carries on (jobs.c, waitchld).  The `wait` builtin has no
# such gap.  So a script runs twice: this first process only waits, and the
# work runs in a session of its own (LIB_WORKER set, for it and for every
# script it calls); Ctrl-C or SIGTERM here becomes SIGTERM to that whole
# session, whose exit handlers then clean up.  This process returns when
# the last process of that session has ended; one still alive 30 s after
# the script's own is a bug, reported and stopped.
lib_supervise() {
	local worker="" rc left
	LIB_SIG=0
	# The traps come first: a signal before the worker exists is kept in
	# LIB_SIG and passed on as soon as it does.
	trap 'LIB_SIG=130; [ -z "$worker" ] || kill -TERM -- "-$worker" "$worker" 2>/dev/null || true' INT
	trap 'LIB_SIG=143; [ -z "$worker" ] || kill -TERM -- "-$worker" "$worker" 2>/dev/null || true' TERM
	LIB_WORKER=$$ setsid "$BASH" "$0" "$@" <&0 &
	worker=$!
	[ "$LIB_SIG" = 0 ] || kill -TERM -- "-$worker" "$worker" 2>/dev/null || true
	while :; do
		rc=0
		wait "$worker" || rc=$?
		kill -0 "$worker" 2>/dev/null || break
	done
	# The work's shell may exit before its children: a bench in $(...) still
	# tearing down, a command forked just as the signal came.  The work
	# is over when the last process of its session is, within 30 s.  The
	# session, not the process group: timeout(1) and others move to a
	# group of their own.
	for _ in $(seq 300); do
		pgrep -s "$worker" >/dev/null || break
		sleep 0.1
	done
	left=$(ps -o pid=,comm= -s "$worker" | tr -s '\n ' ' ' || true)
	if [ -n "$left" ]; then
		echo "$PROG: stopping processes left behind:$left" >&2
		pkill -TERM -s "$worker" 2>/dev/null || true
		sleep 1
		pkill -KILL -s "$worker" 2>/dev/null || true
	fi
	[ "$LIB_SIG" = 0 ] || rc=$LIB_SIG
	exit "$rc"
}
if [ -z "${LIB_WORKER:-}" ] && command -v setsid >/dev/null; then
	export LIB_WORKER
	lib_supervise "$@"
fi

lib_die() {
	local child=$?
	# Called as `cmd || lib_die ...`: a cmd that reports an interrupt
	# (130, 143) was stopped by Ctrl-C or SIGTERM, whatever it printed.
	case $child in 130 | 143) exit "$child" ;; esac
	echo "$PROG: $1" >&2
	exit "${2:-1}"
}
lib_bad() { lib_die "$1" 2; }

lib_posint() {	# OPTION VALUE [MAX]
	[[ $2 =~ ^[1-9][0-9]*$ ]] && [ "${#2}" -le 9 ] && { [ -z "${3:-}" ] || [ "$2" -le "$3" ]; } ||
		lib_bad "invalid value for $1: '$2'${3:+ (1..$3)}"
}

# Every scenario run by default, in the order they run (latency reuses
# high-rate's saturation): each is scripts/scenarios/NAME.sh.
RLB_SCENARIOS=(high-rate overwrite no-reader latency rfc-modes)
# Run only when named (--only): producer-only wants a guest of one vCPU
# whose clock counts instructions (scripts/vm.sh --icount).
RLB_SCENARIOS_NAMED=(producer-only)

lib_check_scenarios() {	# LIST
	local s all="${RLB_SCENARIOS[*]} ${RLB_SCENARIOS_NAMED[*]}"
	for s in ${1//,/ }; do
		[[ " $all " == *" $s "* ]] || lib_bad "unknown scenario '$s' ($all)"
	done
}

lib_mechanisms() {	# BENCH
	"$1" --list --json | jq -r '[.[].mechanism] | unique | .[]' ||
		lib_die "cannot list the variants of $1"
}

lib_check_mechanisms() {	# BENCH LIST
	local known m
	[ -n "$2" ] || return 0
	known=$(lib_mechanisms "$1")
	for m in ${2//,/ }; do
		grep -qxF -- "$m" <<<"$known" ||
			lib_bad "unknown mechanism '$m' ($(echo $known))"
	done
}

LIB_EXIT_CMDS=()
lib_on_exit() { LIB_EXIT_CMDS=("$1" "${LIB_EXIT_CMDS[@]}"); }

# shellcheck disable=SC2317 # invoked from the EXIT trap
lib_run_exit_cmds() {
	LIB_RC=$?
	local c
	trap '' INT TERM
	for c in "${LIB_EXIT_CMDS[@]}"; do
		eval "$c" || true
	done
	exit "$LIB_RC"
}
trap lib_run_exit_cmds EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

LIB_TMP=""
lib_tmpdir() {
	[ -z "$LIB_TMP" ] || return 0
	LIB_TMP=$(mktemp -d) || lib_die "cannot create a temporary directory"
	lib_on_exit 'rm -rf "$LIB_TMP"'
}

PARTIAL="" LIB_OUT="" LIB_PARTIAL_STATE=open
lib_partial() {	# OUT
	LIB_OUT=$1 PARTIAL=$1.partial
	rm -rf "$PARTIAL"
	mkdir -p "$PARTIAL" 2>/dev/null || lib_die "cannot write $PARTIAL"
	lib_on_exit lib_partial_cleanup
}
lib_keep_partial() { LIB_PARTIAL_STATE=kept; }
lib_publish() {
	mv "$PARTIAL" "$LIB_OUT" || lib_die "cannot rename $PARTIAL to $LIB_OUT"
	LIB_PARTIAL_STATE=published
}
# shellcheck disable=SC2317 # invoked from the exit handlers
lib_partial_cleanup() {
	case $LIB_PARTIAL_STATE in
	open)
		rm -rf "$PARTIAL"
		# exit 2, bad input, has said why already
		[ "$LIB_RC" -eq 2 ] || echo "$PROG: failed or interrupted; removed $PARTIAL" >&2
		;;
	kept) echo "$PROG: partial results kept in $PARTIAL" >&2 ;;
	esac
}
