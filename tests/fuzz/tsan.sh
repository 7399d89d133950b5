#!/usr/bin/env bash
# ThreadSanitizer runs of flowhub's threaded code.
#   tests/fuzz/tsan.sh [BUILDDIR]     (default _build-tsan; tools/check --tsan)
# Builds the tree with --enable-tsan, then:
#  1. tests/fuzz/ring_threads: 4 producer threads and a consumer thread on
#     one ring (claim/commit, futex wake-up, release, full ring);
#  2. the edge (lws service thread + NNG's threads) and the hub (ring loop
#     + NNG threads) under a real session: hub, edge, flowhub-emit --demo,
#     WebSocket clients that connect, subscribe to logs, resume and leave.
# Any ThreadSanitizer report fails the run; reports are kept in BUILDDIR.
# NNG itself is not instrumented: synchronisation inside libnng is
# invisible to TSan, so tests/fuzz/tsan.supp names the NNG frames whose
# reports are artefacts of that (each entry says why).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/_build-tsan}
FLOWHUB_BUILD=$build "$top/tools/build" --enable-tsan
make -C "$build" -j2 tests/fuzz/ring_threads >/dev/null
export TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1 suppressions=$top/tests/fuzz/tsan.supp"
rc=0
reports=$build/tsan-reports
rm -rf "$reports"; mkdir -p "$reports"

echo "tsan: ring_threads"
if "$build/tests/fuzz/ring_threads" 20000 >"$reports/ring_threads.out" 2>&1; then
	tail -1 "$reports/ring_threads.out"
else
	echo "tsan: ring_threads FAILED"; grep -A12 'WARNING: ThreadSanitizer' "$reports/ring_threads.out" | head -40
	rc=1
fi

hub=$build/flowhub edge=$build/edge/flowhub-edge emit=$build/emit/flowhub-emit
if [ ! -x "$hub" ] || [ ! -x "$edge" ] || [ ! -x "$emit" ]; then
	echo "tsan: hub/edge/emit not built; daemon session skipped"
	exit $rc
fi
tmp=$(mktemp -d /tmp/fh-tsan.XXXXXX)
ring=/fhtsan-$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"; rm -f "/dev/shm/${ring#/}"
}
trap cleanup EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$hub" --ring "$ring" --ring-size 1M --runtime-dir "$tmp/run" --state-dir "$tmp" \
	>"$reports/hub.log" 2>&1 & pids+=($!); hubpid=$!
for _ in $(seq 200); do [ -S "$tmp/run/rpc" ] && break; sleep 0.1; done
"$edge" --listen "127.0.0.1:$port" --runtime-dir "$tmp/run" \
	>"$reports/edge.log" 2>&1 & pids+=($!); edgepid=$!
"$emit" --ring "$ring" --demo --rate 500 --count 3000 >"$reports/emit.log" 2>&1 &
pids+=($!)
echo "tsan: hub + edge session on port $port"
PYTHONPATH=$top/tests/hostile /usr/bin/python3 "$top/tests/fuzz/session.py" "$port" 8 \
	>"$reports/session.out" 2>&1 || { echo "tsan: session client failed:"; tail -5 "$reports/session.out"; rc=1; }
tail -2 "$reports/session.out"
kill -TERM "$edgepid" "$hubpid" 2>/dev/null || true
for p in "$edgepid" "$hubpid"; do
	for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
done
for d in hub edge; do
	n=$(grep -c 'WARNING: ThreadSanitizer' "$reports/$d.log" || true)
	echo "tsan: $d: $n reports"
	if [ "$n" != 0 ]; then
		grep -A14 'WARNING: ThreadSanitizer' "$reports/$d.log" | head -60
		rc=1
	fi
done
exit $rc
