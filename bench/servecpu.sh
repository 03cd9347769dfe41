#!/usr/bin/env bash
# servecpu.sh BIN DB [N] — N starts (default 3) of `BIN serve` on DB: the
# wall time to the first /healthz and the CPU (user+sys, from /proc) the
# process used by then. CPU beside wall, because this 2-core host's speed
# varies through the day (README § Speed and memory).
set -euo pipefail
bin=${1:?usage: servecpu.sh BIN DB [N]}
db=${2:?usage: servecpu.sh BIN DB [N]}
n=${3:-3}
port=${PORT:-18475}
for _ in $(seq "$n"); do
	"$bin" serve --db "$db" --addr "127.0.0.1:$port" --rate-limit 0 2>/dev/null &
	pid=$!
	start=$(date +%s.%N)
	until curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; do
		kill -0 "$pid" 2>/dev/null || { echo "serve exited" >&2; exit 1; }
		sleep 0.02
	done
	end=$(date +%s.%N)
	read -r ut st < <(awk '{print $14, $15}' "/proc/$pid/stat")
	printf '%s: wall %.2f s, cpu %.2f s\n' "$(basename "$bin")" "$(awk "BEGIN{print $end-$start}")" "$(awk "BEGIN{print ($ut+$st)/100}")"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
done
