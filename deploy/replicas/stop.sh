#!/usr/bin/env bash
# stop.sh DIR: stops nginx and the replicas start.sh started in DIR.
set -uo pipefail
dir=$1
if [ -f "$dir/nginx.pid" ]; then
	kill -QUIT "$(cat "$dir/nginx.pid")" 2>/dev/null
fi
for pid in "$dir"/replica-*/pid; do
	[ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null
	rm -f "$pid"
done
exit 0
