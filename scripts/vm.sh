#!/usr/bin/env bash
# vm.sh: run one command as root inside a qemu (TCG) guest that boots the
# cached relaybench kernel, with the host's / as a read-only 9p root and the
# repository shared read-write at the same absolute path.
#
# usage: scripts/vm.sh [--smp N] [--mem SIZE] [--kernel PATH|--debug]
#                      [--timeout SECS] [--qmp SOCKET] [--append "ARGS"]
#                      [--accel auto|kvm|tcg] [--icount]
#                      [--no-console-check] [--print-qemu] -- CMD [ARGS...]
#
# The guest runs under KVM (-accel kvm -cpu host) when qemu can run a
# KVM vCPU (/dev/kvm opens read-write and a paused KVM guest starts), else
# under TCG; --accel kvm|tcg forces one (kvm fails when it cannot run).
# It gets the host's CPU count unless --smp says otherwise, and the bench
# records the accelerator (rb_accel= on the kernel command line) as
# meta.accelerator.  --print-qemu prints the qemu command line and exits
# without booting.
#
# --icount: single-threaded TCG with virtual time driven by the instruction
# count (-icount shift=0,sleep=off): one guest nanosecond is one executed
# guest instruction, so every time the guest measures is an instruction
# count that does not depend on the host's speed or load.  The guest is told
# (rb_timebase=icount) and the bench records meta.time_base.  KVM has no
# such clock: --icount with --accel kvm is a usage error.
#
# Exit status: CMD's own status; 124 on timeout; 125 when the guest died
# without reporting a status; 3 when the kernel log shows a splat (BUG,
# WARNING, KASAN, lockdep, kmemleak, panic...) even though CMD succeeded;
# 1 on setup errors, 2 on bad usage.
#
# Debug kernels (read from the .config beside the image): with
# CONFIG_DEBUG_KMEMLEAK the guest scans for leaks once CMD is done and any
# leak is a splat (exit 3), as is a scan that cannot run; with CONFIG_KASAN
# the virtual CPU has no 5-level paging (see "la57" below).
# --no-console-check turns off both the splat check and the leak scan.
#
# Environment: RELAYBENCH_VM_SHARE (read-write share, default: the git
# top-level of the current directory); QEMU (default qemu-system-x86_64);
# RELAYBENCH_KVM_DEVICE (default /dev/kvm: the device that must open
# before KVM is tried).
# Variables named RELAYBENCH_* and BUILD are passed on to CMD.
set -euo pipefail
PROG=vm
# lib.sh before anything that forks: see its supervision
# shellcheck source=scripts/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"

SELF=$(readlink -f "${BASH_SOURCE[0]}")
SCRIPTS=$(dirname "$SELF")
REPO=$(dirname "$SCRIPTS")
INIT=$SCRIPTS/vm-init.sh
QEMU=${QEMU:-qemu-system-x86_64}

usage() {
	echo "usage: scripts/vm.sh [--smp N] [--mem SIZE] [--kernel PATH|--debug] [--timeout SECS] [--qmp SOCKET] [--append ARGS] [--accel auto|kvm|tcg] [--icount] [--no-console-check] [--print-qemu] -- CMD [ARGS...]" >&2
	exit 2
}

die() { lib_die "$*"; }

smp=$(nproc)
mem=2G
print_qemu=0
kernel=""
debug=0
timeout=600
qmp=""
append=""
console_check=1
accel_choice=auto
icount=0

need_arg() {
	[ "$2" -ge 2 ] || usage
}

while [ "$#" -gt 0 ]; do
	case $1 in
	--smp) need_arg "$1" "$#"; smp=$2; shift 2 ;;
	--mem) need_arg "$1" "$#"; mem=$2; shift 2 ;;
	--kernel) need_arg "$1" "$#"; kernel=$2; shift 2 ;;
	--debug) debug=1; shift ;;
	--timeout) need_arg "$1" "$#"; timeout=$2; shift 2 ;;
	--qmp) need_arg "$1" "$#"; qmp=$2; shift 2 ;;
	--append) need_arg "$1" "$#"; append=$2; shift 2 ;;
	--accel) need_arg "$1" "$#"; accel_choice=$2; shift 2 ;;
	--icount) icount=1; shift ;;
	--no-console-check) console_check=0; shift ;;
	--print-qemu) print_qemu=1; shift ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ "$#" -ge 1 ] || usage
[[ $smp =~ ^[1-9][0-9]*$ ]] || usage
[[ $timeout =~ ^[1-9][0-9]*$ ]] || usage
[[ $mem =~ ^[1-9][0-9]*[KMGT]?$ ]] || usage
if [ -n "$kernel" ] && [ "$debug" = 1 ]; then
	usage
fi
case $accel_choice in
auto | kvm | tcg) ;;
*) echo "vm: --accel takes auto, kvm or tcg, not '$accel_choice'" >&2; exit 2 ;;
esac
if [ "$icount" = 1 ] && [ "$accel_choice" = kvm ]; then
	echo "vm: --icount needs TCG: KVM runs the guest on the host's clock" >&2
	exit 2
fi

# ------------------------------------------------------------------ kernel
if [ -z "$kernel" ]; then
	kargs=(path kernel)
	if [ "$debug" = 1 ]; then
		kargs+=(--debug)
	fi
	kdir=$("$REPO/kernel/build.sh" "${kargs[@]}") || die "cannot locate the kernel cache"
	kernel=$kdir/bzImage
	if [ ! -f "$kernel" ]; then
		if [ "$debug" = 1 ]; then
			die "no cached debug kernel ($kernel); run make kernel-debug first"
		fi
		die "no cached kernel ($kernel); run make kernel first"
	fi
fi
[ -f "$kernel" ] || die "kernel image $kernel not found"
kconfig=$(dirname "$kernel")/.config
kernel_has() {
	[ -f "$kconfig" ] && grep -qx "CONFIG_$1=y" "$kconfig"
}
kmemleak=0
if [ "$console_check" = 1 ] && kernel_has DEBUG_KMEMLEAK; then
	kmemleak=1
fi
# la57: identify_cpu() clears the CPU's feature bits for a moment at boot;
# an interrupt in that window sees 4-level address limits under 5-level
# paging, and KASAN reports its spinlock as a wild access (a false alarm
# seen with -cpu max).  Without LA57 there is no such window.
cpu=max
if kernel_has KASAN; then
	cpu=max,la57=off
fi
command -v "$QEMU" >/dev/null || die "$QEMU not found (run make deps)"
# KVM when it works, else TCG.  A /dev/kvm that opens can still fail to run
# a vCPU (seen here: nested virtualisation that refuses an MSR, and qemu
# aborts), so start one, paused, and quit it through QMP.  --foreground
# keeps timeout in this process group, where Ctrl-C's SIGTERM reaches it.
kvm_dev=${RELAYBENCH_KVM_DEVICE:-/dev/kvm}
kvm_usable() {
	[ -e "$kvm_dev" ] && { : <>"$kvm_dev"; } 2>/dev/null || return 1
	(printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"quit"}' |
		timeout --foreground 30 "$QEMU" -accel kvm -cpu host -machine pc -nodefaults \
			-display none -no-user-config -S -qmp stdio) >/dev/null 2>&1
}
# An instruction-counted clock is the TCG of one thread: no probe.
if [ "$icount" = 1 ] || [ "$accel_choice" = tcg ]; then
	accel=tcg
elif kvm_usable; then
	accel=kvm
elif [ "$accel_choice" = kvm ]; then
	die "--accel kvm: qemu cannot run a KVM guest here ($kvm_dev)"
else
	accel=tcg
fi
# shellcheck disable=SC2054 # commas are qemu's
if [ "$accel" = kvm ]; then
	accel_args=(-accel kvm -cpu "${cpu/max/host}")
elif [ "$icount" = 1 ]; then
	# sleep=off: an idle guest jumps its clock to the next timer instead of
	# waiting for the host, so time stays a count of instructions.
	accel_args=(-accel tcg,thread=single -icount shift=0,sleep=off -cpu "$cpu")
else
	accel_args=(-accel tcg,thread=multi -cpu "$cpu")
fi

# ------------------------------------------------------------------- share
if [ -n "${RELAYBENCH_VM_SHARE:-}" ]; then
	share=$RELAYBENCH_VM_SHARE
else
	share=$(git rev-parse --show-toplevel 2>/dev/null) || share=$REPO
fi
share=$(readlink -f "$share")
[ -d "$share" ] || die "share directory $share does not exist"
[[ $share =~ ^/[^[:space:]\"]*$ ]] || die "share path must not contain blanks or quotes: $share"
[ "$share" != / ] || die "the read-write share cannot be /"

cwd=$(pwd -P)
vmdir=$share/build/vm
run=$vmdir/run.$$
console=$run/console.log
last=$vmdir/last-console.log
qpid=""
finished=0
# shellcheck disable=SC2317 # invoked from the exit handlers
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	elif [ -z "$qpid" ] && [ "$finished" = 0 ]; then
		# interrupted between starting qemu and learning its pid
		pkill -f "rb_run=$run " 2>/dev/null || true
	fi
	if [ -f "$console" ]; then
		cp -f "$console" "$last" 2>/dev/null || true
		if [ -s "$run/kmemleak.log" ]; then
			cp -f "$run/kmemleak.log" "$vmdir/last-kmemleak.log" 2>/dev/null || true
			echo "vm: kmemleak report kept in $vmdir/last-kmemleak.log" >&2
		fi
		if [ "$finished" = 0 ] || [ "$LIB_RC" -ne 0 ]; then
			echo "vm: console log kept in $last" >&2
		fi
	fi
	rm -rf "$run"
}
lib_on_exit cleanup
trap 'echo "vm: interrupted, killing the guest" >&2; exit 130' INT
trap 'echo "vm: stopped, killing the guest" >&2; exit 143' TERM
mkdir -p "$vmdir"
rm -rf "$run"
mkdir "$run"

# Single-quote one word for /bin/sh.
shq() {
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

{
	echo '#!/bin/sh'
	echo '# generated by scripts/vm.sh'
	while IFS= read -r name; do
		printf 'export %s=%s\n' "$name" "$(shq "${!name}")"
	done < <(compgen -e | grep -E '^(RELAYBENCH_[A-Za-z0-9_]*|BUILD)$' || true)
	printf 'cd %s || exit 126\n' "$(shq "$cwd")"
	printf 'exec'
	for a in "$@"; do
		printf ' %s' "$(shq "$a")"
	done
	printf '\n'
} >"$run/cmd.sh"

# ----------------------------------------------------------------- qemu
cmdline="console=ttyS0 panic=-1 oops=panic quiet loglevel=4 pci=noacpi no_timer_check"
cmdline+=" rootfstype=9p root=root rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose ro"
cmdline+=" init=$INIT rb_share=$share rb_run=$run rb_accel=$accel"
if [ "$icount" = 1 ]; then
	cmdline+=" rb_timebase=icount"
fi
if [ "$kmemleak" = 1 ]; then
	cmdline+=" rb_kmemleak=1"
fi
if [ -n "$append" ]; then
	cmdline+=" $append"
fi

# shellcheck disable=SC2054 # commas are qemu's, not array separators
qemu_args=(
	"${accel_args[@]}" -nographic -no-reboot -no-user-config
	-m "$mem" -smp "$smp" -net none
	-fw_cfg name=etc/sercon-port,string=0 # keep SeaBIOS off the serial console
	-monitor none -serial chardev:con0
	-chardev "stdio,id=con0,signal=off,logfile=$console"
	-kernel "$kernel" -append "$cmdline"
	-virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$share,mount_tag=share,security_model=none,multidevs=remap"
)
if [ -n "$qmp" ]; then
	qemu_args+=(-qmp "unix:$qmp,server=on,wait=off")
fi
if [ "$print_qemu" = 1 ]; then
	echo "$QEMU ${qemu_args[*]}"
	exit 0
fi


# stdin is /dev/null: qemu then leaves the terminal alone and Ctrl-C reaches
# this script.  The sercon-port warning is about the fw_cfg item above;
# "terminating on signal" is qemu acknowledging our own kill.
"$QEMU" "${qemu_args[@]}" </dev/null 2> >(grep -v --line-buffered -e 'etc/sercon-port' -e 'terminating on signal' >&2) &
qpid=$!

# Seconds since boot (CLOCK_BOOTTIME, does not jump like the wall clock),
# read without forking.
now() {
	local up _
	read -r up _ </proc/uptime
	echo "${up%.*}"
}
deadline=$(($(now) + timeout))
timed_out=0
while kill -0 "$qpid" 2>/dev/null; do
	if [ "$(now)" -ge "$deadline" ]; then
		timed_out=1
		kill "$qpid" 2>/dev/null || true
		break
	fi
	sleep 0.1
done
qrc=0
wait "$qpid" || qrc=$?
qpid=""
finished=1

if [ "$timed_out" = 1 ]; then
	echo "vm: timed out after ${timeout}s, guest killed" >&2
	exit 124
fi

# ---------------------------------------------------------- console check
splat_re='BUG:|WARNING:|Oops|KASAN:|UBSAN:|possible circular locking|inconsistent lock state|possible recursive locking|Kernel panic|general protection fault|unreferenced object|kernel BUG at|INFO: task .* blocked for more than'
if [ "$console_check" = 1 ]; then
	splats=$(cat "$console" "$run/kmsg.log" "$run/kmemleak.log" 2>/dev/null | tr -d '\r' |
		grep -E "$splat_re" | grep -v '^vm-init:' | awk '!seen[$0]++' || true)
	if [ -n "$splats" ]; then
		echo "vm: kernel splat in the guest log:" >&2
		printf '%s\n' "$splats" | head -n 40 | sed 's/^/vm:   /' >&2
		finished=0
		exit 3
	fi
	if [ "$kmemleak" = 1 ] && [ -f "$run/status" ] && [ ! -f "$run/kmemleak.done" ]; then
		echo "vm: the guest could not scan for leaks (kmemleak off?)" >&2
		finished=0
		exit 3
	fi
fi

if [ ! -f "$run/status" ]; then
	finished=0
	echo "vm: guest died without reporting a status (qemu exit $qrc)" >&2
	exit 125
fi
status=$(cat "$run/status")
[[ $status =~ ^[0-9]+$ ]] || { finished=0; echo "vm: bad status file: $status" >&2; exit 125; }
exit "$status"
