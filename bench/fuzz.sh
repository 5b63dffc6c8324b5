#!/usr/bin/env bash
# The queue_log fuzzer (docs/callcenter.md, "Reliability"): any bytes as a queue_log file,
# parsed and assembled into calls as `canali import queue-log` does; nothing may panic and
# every call must be consistent. Runs libFuzzer through cargo-fuzz for SECONDS (default 60),
# starting from fuzz/corpus/queue_log. A crash leaves its input in fuzz/artifacts/queue_log/.
#
#   bench/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# cargo-fuzz passes the sanitizer and coverage flags that rustc keeps behind the nightly gate;
# RUSTC_BOOTSTRAP lets the stable toolchain accept them for this build only.
RUSTC_BOOTSTRAP=1 cargo fuzz run queue_log corpus/queue_log -- \
    -max_total_time="$seconds" -max_len=65536 -print_final_stats=1
