# Shared set-up for the flowhub-edge end-to-end scripts (sourced).
# Every run gets its own temporary directory, runtime dir, ring name and
# ports; every process started here is stopped by PID on exit.
PY=/usr/bin/python3
HUB_BIN=$top_builddir/hub/flowhub
[ -x "$HUB_BIN" ] || HUB_BIN=$top_builddir/flowhub
EDGE_BIN=$top_builddir/edge/flowhub-edge
EMIT_BIN=$top_builddir/emit/flowhub-emit
LIB=$top_srcdir/tests/e2e/lib
export PYTHONPATH=$LIB${PYTHONPATH:+:$PYTHONPATH}
export FLOWHUB_SCHEMA=$top_srcdir/doc/protocol.schema.json

skip() { echo "SKIP: $*"; exit 77; }
hard() { echo "HARD ERROR: $*"; exit 99; }
fail() { echo "FAIL: $*"; exit 1; }

[ -x "$PY" ] || skip "$PY not found"
"$PY" -c 'import websockets, jsonschema' 2>/dev/null ||
	skip "$PY lacks websockets or jsonschema"
[ -x "$EDGE_BIN" ] || hard "$EDGE_BIN not built"
# Under ASan, freed memory waits in a quarantine (256 MiB by default)
# that the tests' RSS bounds would measure; keep it small, whoever runs
# the test.
if grep -q '^SAN_CFLAGS = .*-fsanitize' "$top_builddir/Makefile" 2>/dev/null; then
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
	export ASAN_OPTIONS
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/fhedge.XXXXXX") || hard "mktemp"
RUN=$T/rt
mkdir -m 0700 "$RUN" "$T/state"
RING=/fhedge-$$-$RANDOM
PIDS=

edge_cleanup() {
	rc=$?
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "==== $f (last 30 lines)"
			tail -30 "$f"
		done
	fi
	rm -f "/dev/shm$RING"
	rm -rf "$T"
	exit "$rc"
}
trap edge_cleanup EXIT
trap 'exit 99' INT TERM

# A free TCP port on loopback (the kernel's choice).
free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http URL [STATUS]: until URL answers (with STATUS if given), 10 s.
wait_http() {
	for _ in $(seq 100); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null)
		if [ -n "$2" ]; then [ "$code" = "$2" ] && return 0
		elif [ "$code" != "000" ]; then return 0; fi
		sleep 0.1
	done
	return 1
}

start_hub() {
	[ -x "$HUB_BIN" ] || skip "flowhub not built"
	"$HUB_BIN" --ring "$RING" --runtime-dir "$RUN" --state-dir "$T/state" \
		"$@" >"$T/hub.log" 2>&1 &
	HUB_PID=$!
	PIDS="$PIDS $HUB_PID"
}

# start_edge NAME PORT [ARGS...]: sets EDGE_PID_<NAME>; waits until it answers.
start_edge() {
	_n=$1 _p=$2
	shift 2
	"$EDGE_BIN" --listen "127.0.0.1:$_p" --id "$_n" --runtime-dir "$RUN" \
		--www "$top_srcdir/edge/www" "$@" >>"$T/$_n.log" 2>&1 &
	eval "EDGE_PID_$_n=$!"
	PIDS="$PIDS $!"
	wait_http "http://127.0.0.1:$_p/healthz" || hard "edge $_n does not answer"
}

# wait_linked PORT: until /healthz says ok.
wait_linked() {
	wait_http "http://127.0.0.1:$1/healthz" 200 || fail "edge on $1 never linked to the hub"
}

emit() {
	[ -x "$EMIT_BIN" ] || skip "flowhub-emit not built"
	"$EMIT_BIN" --ring "$RING" "$@"
}
