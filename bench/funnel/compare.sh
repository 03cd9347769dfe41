#!/usr/bin/env bash
# compare.sh: runs `outcomes funnel` (built from this tree) and
# bench/funnel/funnel.R on the same inputs and compares their outputs cell
# by cell (bench/funnel/compare: text columns and counts equal, numbers
# within a relative 1e-9, bands identical). Exits 1 on any disagreement.
#
#   bench/funnel/compare.sh [FILE...]
#
# With no FILE it checks four inputs: bench/funnel/edge.csv (hand-made
# corner cases) and three generated ones: the benchmark's 100,000 surgeons,
# the same spread over hospitals (-mix: surgeons summed over hospitals,
# hospitals summed from surgeons) and a small file with hospitals' own rows.
# Files go to $BENCHDIR (default $TMPDIR/outcomes-bench-funnel).
# REL overrides the relative tolerance (default 1e-9), DIGITS funnel.R's
# --digits (shortest, 17 or 15; default shortest).
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${BENCHDIR:-${TMPDIR:-/tmp}/outcomes-bench-funnel}
rel=${REL:-1e-9}
digits=${DIGITS:-shortest}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
command -v Rscript >/dev/null || { echo "compare.sh: needs R (apt-get install -y r-base-core)" >&2; exit 2; }

go build -o "$dir/outcomes" ./cmd/outcomes
# compare and gen are a module of their own (bench/funnel/go.mod), outside
# the project's packages and their import rules.
go -C bench/funnel build -o "$dir/compare" ./compare
go -C bench/funnel build -o "$dir/gen" ./gen

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
	"$dir/gen" -o "$dir/funnel.csv"
	"$dir/gen" -mix -o "$dir/funnel-mix.csv"
	"$dir/gen" -mix -hospital-rows -surgeons 300 -o "$dir/funnel-hospitals.csv"
	files=(bench/funnel/edge.csv "$dir/funnel.csv" "$dir/funnel-mix.csv" "$dir/funnel-hospitals.csv")
fi

status=0
for f in "${files[@]}"; do
	name=$(basename "$f" .csv)
	echo "== $f"
	"$dir/outcomes" funnel "$f" >"$dir/$name.go.out"
	Rscript bench/funnel/funnel.R --digits "$digits" "$f" >"$dir/$name.r.out"
	"$dir/compare" -rel "$rel" "$dir/$name.go.out" "$dir/$name.r.out" || status=1
done
exit $status
