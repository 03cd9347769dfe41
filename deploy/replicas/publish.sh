#!/usr/bin/env bash
# publish.sh DIR MASTER_DB N
#
# Gives each of the N replicas in DIR (start.sh) the master's releases as
# they are now: first every release file the replica lacks (a release's
# file never changes once written), then the catalogue's copy, a
# consistent snapshot each ingest writes (MASTER_DB.download.sqlite),
# copied beside the replica's database and renamed over it, so a replica
# reads the old catalogue or the new one, never part of either, and never
# a catalogue naming a release whose file it lacks. Then the replica (if
# running) is sent SIGHUP to swap at once rather than at its next poll;
# requests in flight finish on the old releases.
set -euo pipefail
if [ $# -ne 3 ]; then
	echo "usage: $0 DIR MASTER_DB N" >&2
	exit 2
fi
dir=$1 master=$2 n=$3
snapshot="$master.download.sqlite"
if [ ! -f "$snapshot" ]; then
	echo "$0: no $snapshot: run outcomes ingest on $master first" >&2
	exit 1
fi
for i in $(seq 1 "$n"); do
	r="$dir/replica-$i"
	mkdir -p "$r/outcomes.db.releases"
	# Each release's own file first, with its hash: a release file never
	# changes, so one the replica has is not copied again.
	for f in "$master.releases"/*.sqlite; do
		[ -e "$f" ] || continue
		dst="$r/outcomes.db.releases/$(basename "$f")"
		if [ ! -f "$dst" ] || [ ! -f "$dst.sha256" ]; then
			cp "$f" "$dst.tmp"
			sync "$dst.tmp"
			mv -f "$dst.tmp" "$dst"
			cp "$f.sha256" "$dst.sha256.tmp"
			mv -f "$dst.sha256.tmp" "$dst.sha256"
		fi
	done
	cp "$snapshot" "$r/outcomes.db.tmp"
	sync "$r/outcomes.db.tmp"
	mv -f "$r/outcomes.db.tmp" "$r/outcomes.db"
	if [ -f "$r/pid" ] && kill -0 "$(cat "$r/pid")" 2>/dev/null; then
		kill -HUP "$(cat "$r/pid")"
	fi
done
