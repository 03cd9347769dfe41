#!/usr/bin/env bash
# servestart.sh DB — how long `outcomes serve` takes on DB from its start
# to its first /healthz answer, and its memory then and after the pages a
# release's busiest visitors ask for first, two searches (the first waits
# for the search index, which serve builds once it answers) and, after
# ${SETTLE:-0} s more, once more (README § Speed). Uses
# bin/outcomes (make build) and curl.
set -euo pipefail
db=${1:?usage: servestart.sh DB}
port=${PORT:-18473}
bin/outcomes serve --db "$db" --addr "127.0.0.1:$port" --rate-limit 0 2>/tmp/servestart.log &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
start=$(date +%s.%N)
until curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; do
  kill -0 $pid 2>/dev/null || { echo "serve exited:"; cat /tmp/servestart.log; exit 1; }
  sleep 0.05
done
ready=$(date +%s.%N)
rss() { awk '/^VmRSS/ {r=$2} /^VmHWM/ {h=$2} END {printf "%d MB now, %d MB peak", r/1024, h/1024}' /proc/$pid/status; }
printf '%s: first /healthz after %.2f s; %s\n' "$db" "$(awk "BEGIN {print $ready - $start}")" "$(rss)"
for path in / /specialties /specialties/adult-cardiac "/api/v1/surgeons?limit=100&sort=-ramr" "/api/v1/surgeons?limit=100&sort=cases" \
  "/search?q=person+123" "/api/v1/surgeons?q=9000123"; do
  t0=$(date +%s.%N)
  bytes=$(curl -fs -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port$path")
  printf '  %-45s %10s B in %.2f s\n' "$path" "$bytes" "$(awk "BEGIN {print $(date +%s.%N) - $t0}")"
done
printf '  after those: %s\n' "$(rss)"
if [ "${SETTLE:-0}" != 0 ]; then
  sleep "$SETTLE"
  printf '  %s s later: %s\n' "$SETTLE" "$(rss)"
fi
