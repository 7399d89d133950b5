# Shared setup for the hostile-client tests (sourced by tests/hostile/*.sh).
# Starts a real hub and edge on a private ring, runtime dir and port, and
# stops them by PID on exit.  Skips (77) when a daemon is not built.
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
PY=/usr/bin/python3
HUB=$top_builddir/flowhub
EDGE=$top_builddir/edge/flowhub-edge
EMIT=$top_builddir/emit/flowhub-emit
HOSTILE=$top_srcdir/tests/hostile
export PYTHONPATH=$HOSTILE${PYTHONPATH:+:$PYTHONPATH}

for p in "$HUB" "$EDGE" "$EMIT"; do
	[ -x "$p" ] || { echo "SKIP: $p not built"; exit 77; }
done
[ -x "$PY" ] || { echo "SKIP: $PY missing"; exit 77; }

# Sanitizer build?  (SAN_CFLAGS in the generated Makefile.)
sanitized=
if grep -q '^SAN_CFLAGS = .*-fsanitize' "$top_builddir/Makefile" 2>/dev/null; then
	sanitized=yes
	# ASan keeps freed memory in quarantine (256 MiB by default), which
	# would swamp the RSS bounds these tests state; keep it small.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
	export ASAN_OPTIONS
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fh-hostile.XXXXXX")
ring=/fhh-$$-$RANDOM
rundir=$tmp/run
pids=

cleanup() {
	local p
	for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $pids; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
	if [ "${keep_logs:-}" ]; then echo "logs kept in $tmp"; else rm -rf "$tmp"; fi
	rm -f "/dev/shm/${ring#/}"
}
trap cleanup EXIT

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for CMD...: retry CMD for up to 10 s; give up early if the
# process $wait_pid (when set) has died.
wait_for() {
	for _ in $(seq 100); do
		"$@" >/dev/null 2>&1 && return 0
		if [ -n "${wait_pid:-}" ] && ! kill -0 "$wait_pid" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
	return 1
}

healthy() {
	"$PY" -c 'import sys,wsraw; st,_=wsraw.http_get("127.0.0.1",int(sys.argv[1]),"/healthz"); sys.exit(st!=200)' "$1"
}

# start_hub [ARGS...]: hub on $ring, runtime dir $rundir; sets hub_pid.
start_hub() {
	"$HUB" --ring "$ring" --ring-size "${RING_SIZE:-1M}" --runtime-dir "$rundir" \
		--state-dir "$tmp" "$@" >"$tmp/hub.log" 2>&1 &
	hub_pid=$!
	pids="$pids $hub_pid"
	wait_pid=$hub_pid
	if ! wait_for test -S "$rundir/rpc"; then
		echo "hub did not start:"; tail -20 "$tmp/hub.log"; exit 99
	fi
}

# start_edge [ARGS...]: edge on a free loopback port; sets edge_pid and
# port; waits until it is linked to the hub (/healthz 200).
start_edge() {
	port=$(free_port)
	"$EDGE" --listen "127.0.0.1:$port" --runtime-dir "$rundir" "$@" \
		>"$tmp/edge.log" 2>&1 &
	edge_pid=$!
	pids="$pids $edge_pid"
	wait_pid=$edge_pid
	if ! wait_for healthy "$port"; then
		echo "edge did not start or link:"; tail -20 "$tmp/edge.log"; exit 99
	fi
}

# emit_demo COUNT RATE: background producer; sets emit_pid.
emit_demo() {
	"$EMIT" --ring "$ring" --demo --count "$1" --rate "$2" \
		>"$tmp/emit.log" 2>&1 &
	emit_pid=$!
	pids="$pids $emit_pid"
}
