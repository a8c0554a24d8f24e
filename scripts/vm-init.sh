#!/bin/sh
# vm-init.sh: PID 1 inside the relaybench test VM (started by scripts/vm.sh).
#
# The root file system is the host's / over 9p, read-only.  The kernel
# command line carries (as environment variables for init):
#   rb_share=<abs path>   where to mount the read-write 9p share "share"
#   rb_run=<abs path>     run directory inside the share: cmd.sh in, status out
#   rb_kmemleak=1         (optional) scan for leaks after CMD, into kmemleak.log
# This script mounts the usual pseudo file systems, runs cmd.sh as root,
# records its exit status in $rb_run/status and powers the guest off.

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/tmp
export PATH HOME

# mounted DIR: is something mounted on DIR?  (shell builtins only: every
# exec costs ~0.1 s under TCG)
mounted() {
	while read -r _ dir _; do
		[ "$dir" = "$1" ] && return 0
	done </proc/mounts
	return 1
}

# mnt TYPE SOURCE DIR [OPTIONS]: mount unless something is already there.
mnt() {
	mounted "$3" && return 0
	if [ -n "${4:-}" ]; then
		mount -t "$1" -o "$4" "$2" "$3"
	else
		mount -t "$1" "$2" "$3"
	fi || echo "vm-init: cannot mount $1 on $3" >&2
}

halt_now() {
	sync
	# ACPI power-off through sysrq; qemu then exits.  PID 1 must not exit
	# meanwhile (that would panic), so wait here.
	echo o >/proc/sysrq-trigger 2>/dev/null
	while :; do sleep 1 2>/dev/null; done
}

mount -t proc proc /proc 2>/dev/null
mnt sysfs sysfs /sys
mnt devtmpfs devtmpfs /dev
mnt tmpfs tmpfs /tmp mode=1777
mnt tmpfs tmpfs /run mode=755
[ -d /dev/shm ] && mnt tmpfs tmpfs /dev/shm mode=1777
[ -d /dev/pts ] && mnt devpts devpts /dev/pts
mnt debugfs debugfs /sys/kernel/debug
mnt tracefs tracefs /sys/kernel/tracing
mnt bpf bpf /sys/fs/bpf mode=700

if [ -z "${rb_share:-}" ] || [ -z "${rb_run:-}" ]; then
	echo "vm-init: rb_share= and rb_run= must be on the kernel command line" >&2
	halt_now
fi
# The repo may live under a directory the guest covers with tmpfs (/tmp,
# /run): make its mount point there.  On the read-only root it exists.
[ -d "$rb_share" ] || mkdir -p "$rb_share"
mnt 9p share "$rb_share" trans=virtio,version=9p2000.L,msize=512000

if [ ! -f "$rb_run/cmd.sh" ]; then
	echo "vm-init: $rb_run/cmd.sh not found" >&2
	halt_now
fi

cd /tmp || true
sh "$rb_run/cmd.sh"
rc=$?

# rb_kmemleak=1: list what kmemleak finds once CMD is done.  It never
# reports an object younger than 5 s, and an object that changed since the
# previous scan is rescanned rather than reported: wait, then scan twice.
# kmemleak.done tells vm.sh that the scan really ran.
if [ "${rb_kmemleak:-}" = 1 ]; then
	sleep 6
	if echo scan >/sys/kernel/debug/kmemleak && echo scan >/sys/kernel/debug/kmemleak &&
		cat /sys/kernel/debug/kmemleak >"$rb_run/kmemleak.log"; then
		: >"$rb_run/kmemleak.done"
	else
		echo "vm-init: kmemleak cannot scan" >&2
	fi
fi

# The whole kernel log, so that vm.sh can check it for splats printed
# below the console log level.
dmesg >"$rb_run/kmsg.log" 2>/dev/null
echo "$rc" >"$rb_run/status.tmp" && mv "$rb_run/status.tmp" "$rb_run/status"
halt_now
