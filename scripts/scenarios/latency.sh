# shellcheck shell=bash
# latency: rate-limited runs at 10%, 50% and 90% of each mechanism's
# saturation rate (its high-rate base point; measured here if missing), for
# each notification policy.  Relay wakes its reader only at a sub-buffer
# switch, so below saturation its latency is bounded by the reader's poll
# interval: that is the relay "policy" swept here.

LATENCY_POLICIES=(
	"ringbuf-libbpf --rb-notify default" "ringbuf-libbpf --rb-notify force"
	"ringbuf-libbpf --rb-notify sampled --rb-sample 64" "ringbuf-libbpf --rb-notify none"
	"perfbuf-libbpf --pb-wakeup 1" "perfbuf-libbpf --pb-wakeup 64"
	"relay-mmap --overwrite --poll-ms 1" "relay-mmap --overwrite --poll-ms 10"
	"relay-mmap --overwrite --poll-ms 100"
)
LATENCY_BUF=$((1 << 20))

scenario_latency() {
	local v b sat pct pcts=(10 50 90) seen=" "
	[ "$MODE" != smoke ] || pcts=(50)
	for v in "${LATENCY_POLICIES[@]}"; do
		b=${v%% *}
		# smoke: the first policy of each mechanism only
		[ "$MODE" != smoke ] || [[ $seen != *" $b "* ]] || continue
		seen+="$b "
		if [ -n "${DRY:-}" ]; then sat=1; else sat=$(saturation_of "$b"); fi
		if [ "$sat" -eq 0 ]; then	# no high-rate run: measure it now
			RB_SCENARIO=high-rate
			# shellcheck disable=SC2046,SC2086 # relay-mmap streams in overwrite mode
			rb_run "$b" $([ "$(mech_of "$b")" != relay ] || echo --overwrite) \
				-p 1 -a $(buffer_args "$b" $LATENCY_BUF)
			RB_SCENARIO=latency	# read by rb_run (common.sh)
			export RB_SCENARIO
			sat=$(saturation_of "$b")
		fi
		[ "$sat" -gt 0 ] || continue
		for pct in "${pcts[@]}"; do
			# shellcheck disable=SC2046,SC2086
			rb_run $v -p 1 -a --rate $((sat * pct / 100)) $(buffer_args "$b" $LATENCY_BUF)
		done
	done
}
