#!/bin/sh
# tests/vm/bench_smoke.sh: runs inside the patched-kernel VM (tests/vm/run.sh).
# Every bench variant, relay included, runs briefly and must report a loss
# accounting that holds, records consumed (or produced, for the floor), and
# VM metadata naming the patched kernel.
bench=$1
passed=0
failed=0
todo=0
for b in relay-read relay-mmap relay-cat ringbuf-libbpf ringbuf-custom perfbuf-libbpf perfbuf-custom percpu; do
	extra=""
	[ "$b" = relay-mmap ] && extra="--overwrite"
	if out=$("$bench" "$b" -w 0.2 -d 0.5 -i 2 $extra --json) &&
		echo "$out" | jq -e '.loss.ok and .loss.consumed > 0 and .meta.where == "vm" and .meta.relay_map and (.meta.kernel | startswith("6.12"))' >/dev/null; then
		echo "ok   bench $b in the VM"
		passed=$((passed + 1))
	elif { [ "$b" = relay-read ] || [ "$b" = relay-cat ]; } &&
		echo "$out" | jq -e '.loss.ok == false and .loss.consumed > 0 and (.loss.corrupt > 0 or .loss.lost > 0) and .meta.where == "vm"' >/dev/null; then
		# relay's read() can repeat or skip a sub-buffer when it races the
		# writer (kernel/README.md, known defect): reported, not fatal.
		echo "not ok bench $b in the VM # TODO relay read() race: $(echo "$out" | jq -c .loss)"
		todo=$((todo + 1))
	else
		echo "not ok bench $b in the VM: $out"
		failed=$((failed + 1))
	fi
done
# The mmap reader lapped: producers on every CPU outrun it in overwrite
# mode.  Records of a later lap must never be handed over as those of the
# sub-buffer it wanted (they came back as reordered, i.e. corrupt, records).
out=$("$bench" relay-mmap --overwrite -p "$(nproc)" -w 0.2 -d 0.5 -i 2 --json)
if echo "$out" | jq -e '.loss.ok and .loss.corrupt == 0 and .loss.consumed > 0' >/dev/null; then
	echo "ok   bench relay-mmap lapped by $(nproc) producers: $(echo "$out" | jq -c '.loss | {produced, consumed, lost}')"
	passed=$((passed + 1))
else
	echo "not ok bench relay-mmap lapped by $(nproc) producers: $(echo "$out" | jq -c .loss)"
	failed=$((failed + 1))
fi
[ "$todo" -eq 0 ] || echo "$todo known defects failed (TODO)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
