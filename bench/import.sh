#!/usr/bin/env bash
# import.sh DIR [ROWS...] — times `outcomes ingest` of canonical files
# against sqlite3's .import of the same file (README § Speed), on two
# shapes: few-distinct (1,000 surgeons, the rows spread over them) and
# all-distinct (a surgeon per row, the shape that costs most: search
# rows, names and results grow with the surgeons, not the rows). ROWS
# defaults to 1000000. For each file it prints the wall time and peak
# RSS of both, their ratio, and the release file's size; then how long
# `outcomes serve` takes to start on the result (bench/servestart.sh).
# Uses bin/outcomes (make build), sqlite3 and GNU time.
set -euo pipefail
dir=${1:?usage: import.sh DIR [ROWS...]}
shift
sizes=("${@:-1000000}")
mkdir -p "$dir"
measure() { # measure LOG CMD... → "seconds peak_kb" of CMD
	/usr/bin/time -f '%e %M' -o "$1" "${@:2}" >/dev/null
	cat "$1"
}
printf '%-12s %9s  %14s  %16s  %7s  %s\n' shape rows ".import s, MB" "ingest s, MB" ratio "release file"
for rows in "${sizes[@]}"; do
	for shape in few-distinct all-distinct; do
		csv="$dir/$shape-$rows.csv"
		if [ ! -f "$csv" ]; then
			distinct=false
			[ "$shape" = all-distinct ] && distinct=true
			go test ./ingest -run '^TestWriteBenchmarkFile$' -count=1 -args -bench-file="$csv" \
				-bench-rows="$rows" -bench-distinct="$distinct" >/dev/null
		fi
		rm -rf "$dir/import.db" "$dir/$shape-$rows.db" "$dir/$shape-$rows.db".*
		read -r imp_s imp_kb < <(measure "$dir/time.txt" sqlite3 "$dir/import.db" ".import --csv $csv outcome")
		read -r ing_s ing_kb < <(measure "$dir/time.txt" bin/outcomes ingest --db "$dir/$shape-$rows.db" "$csv")
		file=$(ls "$dir/$shape-$rows.db.releases/"*.sqlite)
		printf '%-12s %9d  %6.2f s %4d MB  %7.2f s %5d MB  %6.1f×  %d MB\n' "$shape" "$rows" \
			"$imp_s" $((imp_kb / 1024)) "$ing_s" $((ing_kb / 1024)) "$(awk "BEGIN {print $ing_s / $imp_s}")" \
			$(($(stat -c %s "$file") / 1024 / 1024))
	done
done
rm -f "$dir/import.db" "$dir/time.txt"
for shape in few-distinct all-distinct; do
	bench/servestart.sh "$dir/$shape-${sizes[-1]}.db"
done
