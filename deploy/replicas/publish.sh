#!/usr/bin/env bash
# publish.sh DIR MASTER_DB N
#
# Gives each of the N replicas in DIR (start.sh) the master's release file
# as it is now: its download copy, a consistent snapshot, copied beside the
# replica's file and renamed over it, so a replica reads the old file or
# the new one, never part of either. The download copy goes first, then
# the database, then the replica (if running) is sent SIGHUP to swap at
# once rather than at its next poll; requests in flight finish on the old
# releases.
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
	mkdir -p "$r"
	cp "$snapshot" "$r/outcomes.db.download.sqlite.tmp"
	mv -f "$r/outcomes.db.download.sqlite.tmp" "$r/outcomes.db.download.sqlite"
	# Its hash, written by the ingest, so no replica hashes it at start;
	# copied after the copy, so it is never older than the file it names.
	if [ -f "$snapshot.sha256" ]; then
		cp "$snapshot.sha256" "$r/outcomes.db.download.sqlite.sha256.tmp"
		mv -f "$r/outcomes.db.download.sqlite.sha256.tmp" "$r/outcomes.db.download.sqlite.sha256"
	fi
	cp "$snapshot" "$r/outcomes.db.tmp"
	sync "$r/outcomes.db.tmp"
	mv -f "$r/outcomes.db.tmp" "$r/outcomes.db"
	if [ -f "$r/pid" ] && kill -0 "$(cat "$r/pid")" 2>/dev/null; then
		kill -HUP "$(cat "$r/pid")"
	fi
done
