#!/usr/bin/env bash
# tests/scripts/test_vm_accel.sh: scripts/vm.sh runs the guest under KVM
# when qemu can run a KVM vCPU and under TCG otherwise, tells the guest
# which (rb_accel=, the bench's meta.accelerator), and gives it the host's
# CPU count unless told.  The decision is tested, not KVM itself: a stand-in
# qemu (QEMU) and stand-in devices (RELAYBENCH_KVM_DEVICE) take both
# branches, and --print-qemu stops before booting.  On this machine the
# real /dev/kvm opens but qemu aborts on a KVM vCPU: vm.sh must pick TCG.
set -uo pipefail

NAME=test_vm_accel
# shellcheck source=tests/scripts/testlib.sh
. "$(dirname "$0")/testlib.sh"
VM=$ROOT/scripts/vm.sh
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# A qemu that only passes the KVM probe (a paused guest quit over QMP).
cat >"$TMP/qemu-kvm-ok" <<'QEMU'
#!/bin/sh
exit 0
QEMU
printf '#!/bin/sh\nexit 134\n' >"$TMP/qemu-kvm-aborts"
chmod +x "$TMP/qemu-kvm-ok" "$TMP/qemu-kvm-aborts"

qemu_line() {	# QEMU DEVICE ARGS...: the qemu command vm.sh would run
	local qemu=$1 dev=$2
	shift 2
	QEMU=$qemu RELAYBENCH_KVM_DEVICE=$dev "$VM" --print-qemu "$@" -- true 2>"$TMP/err"
}

: >"$TMP/kvm"	# opens read-write, as a /dev/kvm that works
mkdir "$TMP/kvm-dir"	# cannot be opened read-write

line=$(qemu_line "$TMP/qemu-kvm-ok" "$TMP/kvm")
check "KVM works: -accel kvm with the host CPU" \
	grep -q -- "-accel kvm -cpu host " <<<"$line"
check "KVM works: the guest is told kvm" grep -q " rb_accel=kvm" <<<"$line"
check "KVM works: no TCG" bash -c "! grep -q tcg <<<'$line'"

for case in "qemu-kvm-ok none" "qemu-kvm-ok kvm-dir" "qemu-kvm-aborts kvm"; do
	set -- $case
	line=$(qemu_line "$TMP/$1" "$TMP/$2")
	check "$1, device $2: TCG, multi-threaded" \
		grep -q -- "-accel tcg,thread=multi -cpu max" <<<"$line"
	check "$1, device $2: the guest is told tcg" grep -q " rb_accel=tcg" <<<"$line"
done

# This machine: KVM exactly when a paused KVM guest starts and quits.
want=tcg
if [ -e /dev/kvm ] &&
	(printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"quit"}' |
		timeout 30 qemu-system-x86_64 -accel kvm -cpu host -machine pc -nodefaults \
			-display none -no-user-config -S -qmp stdio) >/dev/null 2>&1; then
	want=kvm
fi
line=$(qemu_line qemu-system-x86_64 /dev/kvm)
check "this machine: $want, as a KVM guest here does$([ $want = kvm ] || echo "n't") start" \
	grep -q " rb_accel=$want" <<<"$line"

line=$(qemu_line "$TMP/qemu-kvm-aborts" "$TMP/none")
check "--smp defaults to the host's $(nproc) CPUs" grep -q -- "-smp $(nproc) " <<<"$line"
line=$(qemu_line "$TMP/qemu-kvm-aborts" "$TMP/none" --smp 3)
check "--smp 3 is kept" grep -q -- "-smp 3 " <<<"$line"
check "--print-qemu leaves no run directory" \
	bash -c "! ls -d '$ROOT'/build/vm/run.* 2>/dev/null | grep -q ."

# Forced choices.  --accel tcg skips the probe even where KVM works;
# --accel kvm where it cannot run is an environment error, not a fallback.
line=$(qemu_line "$TMP/qemu-kvm-ok" "$TMP/kvm" --accel tcg)
check "--accel tcg where KVM works: TCG" grep -q " rb_accel=tcg" <<<"$line"
line=$(qemu_line "$TMP/qemu-kvm-ok" "$TMP/kvm" --accel kvm)
check "--accel kvm where KVM works: KVM" grep -q " rb_accel=kvm" <<<"$line"
rc=0
qemu_line "$TMP/qemu-kvm-aborts" "$TMP/kvm" --accel kvm >/dev/null || rc=$?
check "--accel kvm where KVM cannot run: exit 1 (got $rc)" [ "$rc" = 1 ]
check "--accel kvm where KVM cannot run: one line" [ "$(wc -l <"$TMP/err")" = 1 ]
rc=0
qemu_line "$TMP/qemu-kvm-ok" "$TMP/kvm" --accel fast >/dev/null || rc=$?
check "--accel fast: usage, exit 2 (got $rc)" [ "$rc" = 2 ]

# --icount: one TCG thread whose clock counts instructions, even where KVM
# works, and the guest is told so; with KVM forced it is a usage error.
line=$(qemu_line "$TMP/qemu-kvm-ok" "$TMP/kvm" --icount)
check "--icount: single-threaded TCG with shift=0,sleep=off" \
	grep -q -- "-accel tcg,thread=single -icount shift=0,sleep=off " <<<"$line"
check "--icount: the guest is told its time base" \
	grep -q " rb_accel=tcg .*rb_timebase=icount" <<<"$line"
line=$(qemu_line "$TMP/qemu-kvm-aborts" "$TMP/none")
lacks() { ! grep -q "$@"; }
check "without --icount: no instruction clock" \
	lacks -e " -icount " -e " rb_timebase=" <<<"$line"
rc=0
qemu_line "$TMP/qemu-kvm-ok" "$TMP/kvm" --icount --accel kvm >/dev/null || rc=$?
check "--icount --accel kvm: usage, exit 2 (got $rc)" [ "$rc" = 2 ]
check "--icount --accel kvm: one line" [ "$(wc -l <"$TMP/err")" = 1 ]

# Ctrl-C while the KVM probe runs: the probe's qemu (one that hangs) and
# its timeout go with vm.sh, which vm.sh's session supervisor checks.
cat >"$TMP/qemu-kvm-hangs" <<QEMU
#!/bin/sh
echo \$\$ >"$TMP/probe.pid"
exec sleep 60
QEMU
chmod +x "$TMP/qemu-kvm-hangs"
set -m	# vm.sh in its own process group, as a terminal starts it
QEMU=$TMP/qemu-kvm-hangs RELAYBENCH_KVM_DEVICE=$TMP/kvm \
	env --default-signal=INT "$VM" --print-qemu -- true >/dev/null 2>"$TMP/err" &
pid=$!
set +m
for _ in $(seq 100); do [ -s "$TMP/probe.pid" ] && break; sleep 0.1; done
check "a hanging KVM probe has started" test -s "$TMP/probe.pid"
kill -INT -- "-$pid"
rc=0
wait "$pid" || rc=$?
check "Ctrl-C in the KVM probe: exit 130 (got $rc)" [ "$rc" = 130 ]
check "Ctrl-C in the KVM probe: its qemu is gone" \
	bash -c "! kill -0 $(cat "$TMP/probe.pid" 2>/dev/null || echo 0) 2>/dev/null"
check "Ctrl-C in the KVM probe: nothing left behind to stop" \
	bash -c "! grep -q 'left behind' '$TMP/err'"

# The accelerator reaches the bench's metadata (natively: none).
check "natively meta.accelerator is none and the time base wall" \
	q jq -e '.meta.accelerator == "none" and .meta.time_base == "wall"' \
	<("$BENCH" percpu -w 0 -d 0.05 -i 1 --json 2>/dev/null)
summary
