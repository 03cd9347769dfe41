#!/usr/bin/env bash
# start.sh DIR MASTER_DB N PORT
#
# Starts N `outcomes serve` replicas, each reading its own copy of the
# master's catalogue and release files, behind nginx as a caching reverse proxy
# (the CDN's stand-in) listening on 127.0.0.1:PORT. Replica i listens on
# 127.0.0.1:PORT+i. Everything lives in DIR: each replica's file, pid and
# log in DIR/replica-i/, nginx's configuration, cache and logs in DIR.
# OUTCOMES names the binary (default: outcomes on PATH); NGINX nginx's.
#
# A replica is given every release's own file (MASTER_DB.releases/, each
# written once and never changed, and exactly the file a journalist
# downloads) and then the catalogue's copy (MASTER_DB.download.sqlite):
# each ingest writes it as one consistent snapshot (VACUUM INTO), so
# copying it never catches a half-written database. New releases reach
# the replicas with publish.sh; stop.sh stops everything.
set -euo pipefail
if [ $# -ne 4 ]; then
	echo "usage: $0 DIR MASTER_DB N PORT" >&2
	exit 2
fi
dir=$1 master=$2 n=$3 port=$4
outcomes=${OUTCOMES:-outcomes}
nginx=${NGINX:-nginx}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

"$here/publish.sh" "$dir" "$master" "$n" # the first copy of the releases

upstreams=""
for i in $(seq 1 "$n"); do
	r="$dir/replica-$i"
	# The replicas sit behind nginx: every request comes from it, so
	# limiting by address would limit everyone at once (nginx can limit,
	# with limit_req, by the client's own address).
	"$outcomes" serve --db "$r/outcomes.db" --addr "127.0.0.1:$((port + i))" --rate-limit 0 \
		>"$r/serve.log" 2>&1 &
	echo $! >"$r/pid"
	upstreams+="        server 127.0.0.1:$((port + i)) max_fails=0;"$'\n'
done

# nginx caches what the replicas say may be cached (Cache-Control:
# max-age=300 for the latest, a day for a release's own URLs), keeps a
# copy per Vary (Accept, Accept-Encoding), revalidates an expired copy
# with If-None-Match against the strong ETag (a 304 costs the replica
# nothing to build), lets one request per URL through at a time
# (proxy_cache_lock) and serves a stale copy while a replica is
# restarting or busy. $upstream_cache_status in the access log is what
# the tests count hits by.
user=""
if [ "$(id -u)" = 0 ]; then
	user="user root;" # workers must write the cache in DIR
fi
mkdir -p "$dir/nginx-cache" "$dir/nginx-temp"
cat >"$dir/nginx.conf" <<CONF
$user
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 1024; }
http {
    log_format cache '\$status \$upstream_cache_status \$request_method \$request_uri \$upstream_addr';
    access_log $dir/nginx-access.log cache;
    client_body_temp_path $dir/nginx-temp/body;
    proxy_temp_path $dir/nginx-temp/proxy;
    fastcgi_temp_path $dir/nginx-temp/fastcgi;
    uwsgi_temp_path $dir/nginx-temp/uwsgi;
    scgi_temp_path $dir/nginx-temp/scgi;
    proxy_cache_path $dir/nginx-cache levels=1:2 keys_zone=outcomes:16m max_size=1g inactive=1d use_temp_path=off;
    upstream replicas {
$upstreams        keepalive 32;
    }
    server {
        listen 127.0.0.1:$port;
        location / {
            proxy_pass http://replicas;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_cache outcomes;
            proxy_cache_revalidate on;
            proxy_cache_lock on;
            proxy_cache_use_stale error timeout updating http_502 http_503 http_504;
            proxy_cache_background_update on;
            proxy_next_upstream error timeout http_502 http_503;
            add_header X-Cache-Status \$upstream_cache_status always;
        }
    }
}
CONF
"$nginx" -p "$dir" -c "$dir/nginx.conf" -g 'daemon on;'

# Ready when every replica and nginx answer; a replica that exits says
# why (its log's end).
for i in $(seq 1 "$n") 0; do
	for _ in $(seq 1 1200); do
		if curl -fs -o /dev/null "http://127.0.0.1:$((port + i))/healthz"; then
			continue 2
		fi
		if [ "$i" != 0 ] && ! kill -0 "$(cat "$dir/replica-$i/pid")" 2>/dev/null; then
			echo "$0: replica $i exited:" >&2
			tail -n 20 "$dir/replica-$i/serve.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	echo "$0: 127.0.0.1:$((port + i)) did not answer within 120 s" >&2
	[ "$i" != 0 ] && tail -n 20 "$dir/replica-$i/serve.log" >&2
	exit 1
done
echo "nginx on http://127.0.0.1:$port, $n replicas from $dir"
