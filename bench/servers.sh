# Helpers to start the benchmarks' servers: sourced, from the repository's
# root, by bench/run.sh and bench/curves/connections.sh.

# The pids of the servers a script started (it adds each to $started):
# killed when the script ends, however it ends.
started=""
cleanup() {
    for p in $started; do
        kill "$p" 2>/dev/null || true
    done
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Poll a URL for up to 10 s until it answers 200.
wait_ready() {
    python3 - "$1" <<'EOF'
import sys, time, urllib.request
for _ in range(100):
    try:
        if urllib.request.urlopen(sys.argv[1], timeout=1).status == 200:
            sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("not ready: " + sys.argv[1])
EOF
}

# nginx_conf PORT TMP WORKERS [WORKER_CONNECTIONS]: the nginx peer's
# configuration on standard output, a fixed {"status":"healthy"} on
# /api/health; TMP (an absolute path) holds its pid and temporary files.
# WORKER_CONNECTIONS (default 4096) must exceed the connections one worker
# may be given, as nginx refuses those past it.
nginx_conf() {
    cat <<EOF
worker_processes $3;
daemon off;
pid $2/nginx.pid;
error_log stderr;
events { worker_connections ${4:-4096}; }
http {
    access_log off;
    default_type application/json;
    keepalive_requests 100000000;
    client_body_temp_path $2/body;
    proxy_temp_path $2/proxy;
    fastcgi_temp_path $2/fastcgi;
    uwsgi_temp_path $2/uwsgi;
    scgi_temp_path $2/scgi;
    server {
        listen 127.0.0.1:$1;
        location = /api/health { return 200 '{"status":"healthy"}'; }
    }
}
EOF
}
