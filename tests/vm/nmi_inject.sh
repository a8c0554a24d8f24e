#!/usr/bin/env bash
# tests/vm/nmi_inject.sh SOCKET DIR COUNT INTERVAL: the host side of the
# nmi_injected selftest (tests/vm/run.sh starts it next to the VM).
# Waits until the guest creates DIR/ready (its writers are running), sends
# COUNT QMP inject-nmi commands INTERVAL seconds apart through qemu's QMP
# SOCKET, then writes "injected N" to DIR/done, N being the commands qemu
# acknowledged.  Exits 0 without injecting anything if the guest never gets
# ready before DEADLINE seconds (default 1800); run.sh kills it when the VM
# is gone.
set -euo pipefail

if [ "$#" -ne 4 ] || ! [[ $3 =~ ^[1-9][0-9]*$ ]] || ! [[ $4 =~ ^[0-9]*\.?[0-9]+$ ]]; then
	echo "usage: tests/vm/nmi_inject.sh SOCKET DIR COUNT INTERVAL" >&2
	exit 2
fi
sock=$1 dir=$2 count=$3 interval=$4
deadline=$((SECONDS + ${NMI_INJECT_DEADLINE:-1800}))

while [ ! -e "$dir/ready" ]; do
	[ "$SECONDS" -lt "$deadline" ] || exit 0
	sleep 0.2
done
[ -S "$sock" ] || { echo "nmi_inject: no QMP socket at $sock" >&2; exit 1; }

# One QMP session: the greeting, one reply to qmp_capabilities, then one
# {"return": {}} per NMI delivered to the guest.
{
	echo '{"execute": "qmp_capabilities"}'
	for ((i = 0; i < count; i++)); do
		echo '{"execute": "inject-nmi"}'
		sleep "$interval"
	done
} | socat -t 5 - "UNIX-CONNECT:$sock" >"$dir/qmp.log"
replies=$(grep -c '"return"' "$dir/qmp.log" || true)
injected=$((replies > 0 ? replies - 1 : 0))
echo "injected $injected" >"$dir/done.tmp"
mv "$dir/done.tmp" "$dir/done"
