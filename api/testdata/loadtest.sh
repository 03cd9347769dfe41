#!/usr/bin/env bash
# loadtest.sh measures requests per second for an API answer and a page
# served by `outcomes demo`, each beside nginx serving the same response
# bytes as a static file, with wrk (Debian packages wrk and nginx). Run it
# from the module root after `make build`, or as `make bench-http`.
#
# For each URL and run it measures four configurations, one at a time,
# each after a warm-up:
#   outcomes, request log to a file   vs  nginx, access_log to a file
#   outcomes, request log to /dev/null vs nginx, access_log off
# and prints req/s, p50 and p99 latency, the ratio to nginx, the peak RSS
# (VmHWM; nginx: master and workers), the server's CPU use and that of
# everything else (neither wrk nor the server), both in % of the machine.
#
# Everything runs on this machine: wrk competes with the server for the
# CPUs, so the figures are a comparison, not a capacity. Each measurement
# waits (up to QUIET_WAIT=120 s) for the machine to be idle first; a run
# whose "other" column is not near 0% was disturbed.
#
# Environment: BIN (bin/outcomes), URL_PATHS (space-separated; default the
# adult cardiac surgeons' JSON and the adult cardiac page), RUNS (1), THREADS (2),
# CONNS (64), DURATION (20s), WARMUP (3s), PORT (18480), NGINX_PORT (18481),
# QUIET_WAIT (120, seconds); KEEP=1 keeps the temporary directory (logs, wrk
# output).
set -euo pipefail

BIN=${BIN:-bin/outcomes}
URL_PATHS=${URL_PATHS:-/api/v1/surgeons?specialty=adult-cardiac&limit=100 /specialties/adult-cardiac}
RUNS=${RUNS:-1}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-3s}
PORT=${PORT:-18480}
NGINX_PORT=${NGINX_PORT:-18481}

for cmd in wrk nginx curl /usr/bin/time; do
	command -v "$cmd" >/dev/null || { echo "loadtest: $cmd not found (apt-get install -y wrk nginx curl)" >&2; exit 1; }
done
[[ -x $BIN ]] || { echo "loadtest: $BIN not found; run make build" >&2; exit 1; }
BIN=$(realpath "$BIN")
for p in "$PORT" "$NGINX_PORT"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		echo "loadtest: port $p is in use; set PORT / NGINX_PORT" >&2
		exit 1
	fi
done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/outcomes-loadtest.XXXXXX")
# nginx's workers drop to nobody when started as root: they must be able
# to read the static file.
chmod 755 "$DIR"
SERVER_PID=
NGINX_PID=

stop() { # stop PID: the process this script started, and wait for it
	local pid=$1
	[[ -n $pid ]] || return 0
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	stop "$SERVER_PID"
	stop "$NGINX_PID"
	if [[ ${KEEP:-} == 1 ]]; then
		echo "loadtest: kept $DIR"
	else
		rm -rf "$DIR"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_http() { # wait_http URL: until it answers 200, for up to 60 s
	for _ in $(seq 600); do
		if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "loadtest: $1 did not answer" >&2
	return 1
}

peak_rss_kb() { # peak_rss_kb PID...: the sum of VmHWM over the processes
	local total=0 kb
	for pid in "$@"; do
		kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
		total=$((total + ${kb:-0}))
	done
	echo "$total"
}

start_outcomes() { # start_outcomes LOGFILE
	"$BIN" demo --db "$DIR/demo.db" --addr "127.0.0.1:$PORT" --rate-limit 0 \
		>>"$DIR/outcomes.stdout" 2>"$1" &
	SERVER_PID=$!
	wait_http "http://127.0.0.1:$PORT/healthz"
}

start_nginx() { # start_nginx ACCESS_LOG (a file or "off")
	mkdir -p "$DIR/nginx"
	cat >"$DIR/nginx.conf" <<-EOF
		worker_processes 2;
		daemon off;
		pid $DIR/nginx/nginx.pid;
		error_log $DIR/nginx/error.log;
		events { worker_connections 1024; }
		http {
		    access_log $1;
		    client_body_temp_path $DIR/nginx/body;
		    proxy_temp_path $DIR/nginx/proxy;
		    fastcgi_temp_path $DIR/nginx/fastcgi;
		    uwsgi_temp_path $DIR/nginx/uwsgi;
		    scgi_temp_path $DIR/nginx/scgi;
		    sendfile on;
		    tcp_nopush on;
		    keepalive_requests 1000000;
		    server {
		        listen 127.0.0.1:$NGINX_PORT;
		        root $DIR/www;
		        location = ${URL_PATH%%\?*} { default_type $CONTENT_TYPE; }
		    }
		}
	EOF
	nginx -p "$DIR/nginx" -c "$DIR/nginx.conf" &
	NGINX_PID=$!
	wait_http "http://127.0.0.1:$NGINX_PORT$URL_PATH"
}

nginx_pids() { # the master and its workers
	echo "$NGINX_PID"
	pgrep -P "$NGINX_PID" || true
}

# cpu_ticks: "busy total" clock ticks of the whole machine so far
# (busy: user, nice and system; irq and softirq are in total only).
cpu_ticks() {
	awk '$1 == "cpu" {t = 0; for (i = 2; i <= 9; i++) t += $i; print $2 + $3 + $4, t}' /proc/stat
}

# proc_ticks PID...: user and system ticks used so far by the processes.
proc_ticks() {
	local total=0 t
	for pid in "$@"; do
		t=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}' || echo 0)
		total=$((total + ${t:-0}))
	done
	echo "$total"
}

# wait_quiet: other work on the machine skews the comparison, so wait (up
# to QUIET_WAIT seconds) until the CPUs are less than 20% busy over a
# second.
wait_quiet() {
	local deadline=$((SECONDS + ${QUIET_WAIT:-120})) a0 t0 a1 t1
	while ((SECONDS < deadline)); do
		read -r a0 t0 < <(cpu_ticks)
		sleep 1
		read -r a1 t1 < <(cpu_ticks)
		if (((a1 - a0) * 5 < (t1 - t0))); then return 0; fi
	done
	echo "loadtest: the machine is busy with other work; measuring anyway" >&2
}

# measure NAME URL PID...: wait for a quiet machine, warm up, then wrk.
# Sets RPS, P50, P99, SRV (the server's PIDs' CPU use) and OTHER (CPU used
# by neither wrk nor the server), both in % of the whole machine, and
# keeps the wrk output in $DIR/NAME.wrk.
measure() {
	local name=$1 url=$2 out="$DIR/$1.wrk" a0 t0 a1 t1 p0 p1 w
	shift 2
	wait_quiet
	wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "$url" >/dev/null
	read -r a0 t0 < <(cpu_ticks)
	p0=$(proc_ticks "$@")
	/usr/bin/time -f '%U %S' -o "$DIR/$name.time" \
		wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$url" >"$out"
	read -r a1 t1 < <(cpu_ticks)
	p1=$(proc_ticks "$@")
	if grep -Eq 'Non-2xx|Socket errors' "$out"; then
		echo "loadtest: $name: errors:" >&2
		cat "$out" >&2
		exit 1
	fi
	w=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($1 + $2) * hz}' "$DIR/$name.time")
	SRV=$(awk -v p=$((p1 - p0)) -v t=$((t1 - t0)) 'BEGIN {printf "%d%%", 100 * p / t}')
	OTHER=$(awk -v o=$((a1 - a0 - (p1 - p0) - w)) -v t=$((t1 - t0)) 'BEGIN {printf "%d%%", o < 0 ? 0 : 100 * o / t}')
	RPS=$(awk '/^Requests\/sec:/ {print $2}' "$out")
	P50=$(awk '$1 == "50%" {print $2}' "$out")
	P99=$(awk '$1 == "99%" {print $2}' "$out")
}

# bench_path URL_PATH: every run and configuration for one URL.
bench_path() {
	URL_PATH=$1 # read by start_nginx and the measurements
	CONTENT_TYPE=application/json
	[[ $URL_PATH == /api/* ]] || CONTENT_TYPE=text/html
	# The exact response bytes, fetched once from our server (the demo release
	# is ingested into $DIR/demo.db on the first start).
	start_outcomes /dev/null
	mkdir -p "$DIR/www$(dirname "${URL_PATH%%\?*}")"
	STATIC="$DIR/www${URL_PATH%%\?*}"
	curl -fsS -H 'Accept-Encoding: identity' -o "$STATIC" "http://127.0.0.1:$PORT$URL_PATH"
	chmod 644 "$STATIC"
	stop "$SERVER_PID"
	SERVER_PID=

	echo "loadtest: GET $URL_PATH, $(wc -c <"$STATIC") bytes; wrk -t$THREADS -c$CONNS -d$DURATION --latency (after $WARMUP warm-up)"
	echo "loadtest: $(nproc) CPUs, shared by wrk and the server under test; $(nginx -v 2>&1); $(go version 2>/dev/null || true)"
	row() { printf '%-4s %-27s %10s %9s %9s %6s %8s %6s %6s\n' "$@"; }
	row run server req/s p50 p99 ratio peak-RSS srv-CPU other
	for run in $(seq "$RUNS"); do
		for mode in file null; do
			# nginx first on odd runs, outcomes first on even ones.
			for which in $( ((run % 2)) && echo "nginx outcomes" || echo "outcomes nginx"); do
				if [[ $which == nginx ]]; then
					if [[ $mode == file ]]; then
						start_nginx "$DIR/nginx/access.log"
						name="nginx, access_log to file"
					else
						start_nginx off
						name="nginx, access_log off"
					fi
					url="http://127.0.0.1:$NGINX_PORT$URL_PATH"
					cmp -s "$STATIC" <(curl -fsS "$url") || { echo "loadtest: nginx does not serve the same bytes" >&2; exit 1; }
					# shellcheck disable=SC2046 # one PID a word
					measure "nginx-$mode-$run" "$url" $(nginx_pids)
					rss=$(peak_rss_kb $(nginx_pids))
					NG_RPS=$RPS
					NG_ROW=("$run" "$name" "$RPS" "$P50" "$P99" 1 "${rss}K" "$SRV" "$OTHER")
					stop "$NGINX_PID"
					NGINX_PID=
				else
					if [[ $mode == file ]]; then
						start_outcomes "$DIR/outcomes-$run.log"
						name="outcomes, log to file"
					else
						start_outcomes /dev/null
						name="outcomes, log to /dev/null"
					fi
					url="http://127.0.0.1:$PORT$URL_PATH"
					cmp -s "$STATIC" <(curl -fsS "$url") || { echo "loadtest: outcomes' response changed" >&2; exit 1; }
					measure "outcomes-$mode-$run" "$url" "$SERVER_PID"
					rss=$(peak_rss_kb "$SERVER_PID")
					OUR_RPS=$RPS
					OUR_ROW=("$run" "$name" "$RPS" "$P50" "$P99" - "${rss}K" "$SRV" "$OTHER")
					stop "$SERVER_PID"
					SERVER_PID=
				fi
			done
			OUR_ROW[5]=$(awk -v a="$OUR_RPS" -v b="$NG_RPS" 'BEGIN {printf "%.2f", a / b}')
			row "${NG_ROW[@]}"
			row "${OUR_ROW[@]}"
		done
	done
	if [[ -s $DIR/outcomes-1.log ]]; then
		echo "loadtest: outcomes request log, run 1: $(wc -l <"$DIR/outcomes-1.log") lines; last: $(tail -n 1 "$DIR/outcomes-1.log")"
	fi

}

for URL_PATH in $URL_PATHS; do
	bench_path "$URL_PATH"
done
