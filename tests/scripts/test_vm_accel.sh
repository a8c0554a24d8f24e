#!/usr/bin/env bash
# tests/scripts/test_vm_accel.sh: scripts/vm.sh picks KVM when the KVM
# device opens read-write and TCG otherwise, tells the guest which
# (rb_accel=, the bench's meta.accelerator), and gives the guest the host's
# CPU count unless told.  The decision is tested, not KVM itself: this
# machine has no usable /dev/kvm, so RELAYBENCH_KVM_DEVICE points the check
# at stand-ins, and --print-qemu stops before booting.
set -uo pipefail

NAME=test_vm_accel
# shellcheck source=tests/scripts/testlib.sh
. "$(dirname "$0")/testlib.sh"
VM=$ROOT/scripts/vm.sh
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

qemu_line() {	# DEVICE ARGS...: the qemu command vm.sh would run
	local dev=$1
	shift
	RELAYBENCH_KVM_DEVICE=$dev "$VM" --print-qemu "$@" -- true 2>"$TMP/err"
}

: >"$TMP/kvm"	# opens read-write: stands for a usable /dev/kvm
mkdir "$TMP/kvm-dir"	# cannot be opened read-write: an unusable one

line=$(qemu_line "$TMP/kvm")
check "a usable device: KVM with the host CPU" \
	grep -q -- "-accel kvm -cpu host " <<<"$line"
check "a usable device: the guest is told kvm" grep -q " rb_accel=kvm" <<<"$line"
check "a usable device: no TCG" bash -c "! grep -q tcg <<<'$line'"

for dev in "$TMP/none" "$TMP/kvm-dir"; do
	line=$(qemu_line "$dev")
	check "${dev##*/}: TCG, multi-threaded" \
		grep -q -- "-accel tcg,thread=multi -cpu max" <<<"$line"
	check "${dev##*/}: the guest is told tcg" grep -q " rb_accel=tcg" <<<"$line"
done

line=$(qemu_line "$TMP/none")
check "--smp defaults to the host's $(nproc) CPUs" grep -q -- "-smp $(nproc) " <<<"$line"
line=$(qemu_line "$TMP/none" --smp 3)
check "--smp 3 is kept" grep -q -- "-smp 3 " <<<"$line"
check "--print-qemu leaves no run directory" \
	bash -c "! ls -d '$ROOT'/build/vm/run.* 2>/dev/null | grep -q ."

# The accelerator reaches the bench's metadata (natively: none).
check "natively meta.accelerator is none" \
	q jq -e '.meta.accelerator == "none"' <("$BENCH" percpu -w 0 -d 0.05 -i 1 --json 2>/dev/null)
summary
