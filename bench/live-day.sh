#!/usr/bin/env bash
# What a day of the living demo costs: the demo at SCALE (default 1, the full-size utility) in
# a scratch folder, its living utility run 1440 times faster than real time, so that 60 s of
# wall time are one simulated day. It counts the process's CPU time (user + system, from
# /proc) from the moment the living demo has caught up with now until 60 s later, and prints
# it as a share of one core over a real day.
#
#     bench/live-day.sh [SCALE] [CANALI_BINARY]
set -euo pipefail
scale="${1:-1}"
bin="${2:-target/release/canali}"
seconds=60
speed=1440
scratch="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$scratch"' EXIT

"$bin" demo --scale "$scale" --file "$scratch/demo.db" --bind 127.0.0.1:0 \
    --live-speed "$speed" --quiet >"$scratch/out.log" 2>"$scratch/err.log" &
pid=$!
echo "demo at scale $scale (pid $pid), waiting for the living demo to catch up..." >&2
until grep -q "caught up with now" "$scratch/out.log"; do
    if ! kill -0 "$pid" 2>/dev/null; then
        cat "$scratch/err.log" >&2
        echo "the demo stopped before going live" >&2
        exit 1
    fi
    sleep 1
done
grep -E "Report ready|Search ready|caught up" "$scratch/out.log" >&2
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
calls() { grep -c ENTERQUEUE "$scratch/demo.queue_log" || true; }
hz=$(getconf CLK_TCK)
before=$(ticks)
calls_before=$(calls)
sleep "$seconds"
after=$(ticks)
calls_after=$(calls)
cpu=$(echo "($after - $before) / $hz" | bc -l)
day=$(echo "$seconds * $speed" | bc -l)
printf 'one simulated day (%d s at %dx): %.2f CPU s, %.4f%% of one core over a real day; %d calls written to the queue_log in it\n' \
    "$seconds" "$speed" "$cpu" "$(echo "100 * $cpu / $day" | bc -l)" "$((calls_after - calls_before))"

