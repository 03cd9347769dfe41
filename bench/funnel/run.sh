#!/usr/bin/env bash
# run.sh: times `outcomes funnel` (built from this tree) beside the base-R
# baseline bench/funnel/funnel.R on the same generated file, whole process
# to /dev/null, and prints the ratio Go/R (issue 9 asks for ≤ 0.5).
# `make bench-funnel` runs it.
#
#   bench/funnel/run.sh            # RUNS=5 rounds after one warm-up run each
#   RUNS=10 GEN_FLAGS=-mix bench/funnel/run.sh
#
# Four commands are timed, each printing the 22 columns of every unit, in
# RUNS interleaved rounds under /usr/bin/time (elapsed, CPU, peak RSS; the
# raw figures stay in $BENCHDIR/times.tsv):
#   go    outcomes funnel FILE
#   R     funnel.R FILE: Go's bytes exactly, numbers in shortest round-trip
#         form (found by trying %.15g/%.16g/%.17g and reading them back)
#   R-17  funnel.R --digits 17 FILE: every number as %.17g, lossless (reads
#         back as the same double) but not the shortest
#   R-15  funnel.R --digits 15 FILE: R's own write.table, 15 significant
#         digits (what write.csv gives; within 5e-15 of Go's numbers): the
#         fastest base-R script, and the baseline of the headline ratio
# The ratio Go/R is printed against each: the median of the per-round
# ratios, the ratio of medians and of minima, and of median CPU time.
# Before timing, every R output is compared with Go's (compare.sh's check),
# so that no ratio is printed for outputs that disagree.
#
# Needs go, Rscript (r-base-core) and /usr/bin/time (time); as root it
# installs the missing Debian packages itself. Files go to $BENCHDIR
# (default $TMPDIR/outcomes-bench-funnel; no spaces); nothing is committed.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${BENCHDIR:-${TMPDIR:-/tmp}/outcomes-bench-funnel}
runs=${RUNS:-5}
read -r -a genflags <<<"${GEN_FLAGS:-}"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

missing=()
command -v Rscript >/dev/null || missing+=(r-base-core)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "installing ${missing[*]}"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	else
		echo "run.sh: needs ${missing[*]} (Debian: apt-get install -y ${missing[*]})" >&2
		exit 2
	fi
fi

go build -o "$dir/outcomes" ./cmd/outcomes
# compare and gen are a module of their own (bench/funnel/go.mod), outside
# the project's packages and their import rules.
go -C bench/funnel build -o "$dir/compare" ./compare
go -C bench/funnel run ./gen -o "$dir/funnel.csv" "${genflags[@]}"
file=$dir/funnel.csv
r=bench/funnel/funnel.R
echo "input: $file, $(($(wc -l <"$file") - 1)) rows ($(du -h "$file" | cut -f1)); $(R --version | head -1)"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# The outputs must agree before the times mean anything.
"$dir/outcomes" funnel "$file" >"$dir/go.out"
echo "units: $(($(wc -l <"$dir/go.out") - 1))"
for v in shortest 17 15; do
	Rscript "$r" --digits $v "$file" >"$dir/r$v.out"
	printf 'R --digits %-8s vs go: ' $v
	if ! "$dir/compare" -show 3 "$dir/go.out" "$dir/r$v.out" >"$dir/r$v.cmp"; then
		cat "$dir/r$v.cmp"
		exit 1
	fi
	tail -1 "$dir/r$v.cmp"
done

# Time the four commands interleaved: each round runs every command once,
# starting with a different one each round, so that load from elsewhere on
# the machine (a shared one drifts by tens of percent within minutes) falls
# on all of them alike; the per-round ratios pair runs made seconds apart.
names=(go R-15 R-17 R)
cmds=("$dir/outcomes funnel $file" "Rscript $r --digits 15 $file" "Rscript $r --digits 17 $file" "Rscript $r $file")
times=$dir/times.tsv
printf 'name\tround\telapsed\tuser\tsys\trss_kb\n' >"$times"
for k in "${!cmds[@]}"; do ${cmds[$k]} >/dev/null; done # warm-up: page cache, R's packages
echo
echo "timing: $runs rounds of ${names[*]} (interleaved, /usr/bin/time, output to /dev/null)"
for ((i = 1; i <= runs; i++)); do
	for ((j = 0; j < ${#cmds[@]}; j++)); do
		k=$(((i + j) % ${#cmds[@]}))
		/usr/bin/time -a -o "$times" -f "${names[$k]}	$i	%e	%U	%S	%M" ${cmds[$k]} >/dev/null
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

Rscript - "$times" <<'SUMMARY'
t <- read.delim(commandArgs(TRUE)[1])
t$cpu <- t$user + t$sys
cat("\nseconds (wall: median, min, max; cpu = user + sys: median), peak RSS (max over runs):\n")
for (n in c("go", "R-15", "R-17", "R")) {
  x <- t[t$name == n, ]
  cat(sprintf("  %-5s wall %6.2f %6.2f %6.2f   cpu %6.2f   %7.0f KB\n", n, median(x$elapsed), min(x$elapsed),
              max(x$elapsed), median(x$cpu), max(x$rss_kb)))
}
g <- t[t$name == "go", ]
cat(sprintf("\n%-36s %7s %7s %7s %7s\n", "ratio Go/R", "paired", "median", "min", "cpu"))
what <- c("R-15" = "R-15 (write.table: fastest, headline)", "R-17" = "R-17 (%.17g, lossless)",
          "R" = "R (shortest: Go's bytes)")
for (n in names(what)) {
  x <- t[t$name == n, ]
  paired <- median(g$elapsed[order(g$round)] / x$elapsed[order(x$round)])
  cat(sprintf("%-36s %7.3f %7.3f %7.3f %7.3f\n", what[[n]], paired, median(g$elapsed) / median(x$elapsed),
              min(g$elapsed) / min(x$elapsed), median(g$cpu) / median(x$cpu)))
}
cat("(paired: median over rounds of Go's wall time over R's in the same round; issue 9 asks for <= 0.5 against the fastest R)\n")
SUMMARY
