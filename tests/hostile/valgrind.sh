#!/bin/sh
# valgrind memcheck over a short real session: the hub, an edge and
# flowhub-emit --demo each under memcheck, four WebSocket clients
# (tests/fuzz/session.py) connecting, subscribing, resuming and leaving,
# then SIGTERM.  Each process must end with 0 errors and 0 bytes
# definitely lost.  Skips (77) without valgrind.
. "$top_srcdir/tests/hostile/lib.sh"
command -v valgrind >/dev/null || { echo "SKIP: valgrind not installed"; exit 77; }
[ -z "$sanitized" ] || { echo "SKIP: sanitizer build (valgrind cannot run it)"; exit 77; }
VG="$top_builddir/libtool --mode=execute valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --num-callers=30 --child-silent-after-fork=yes"

port=$(free_port)
$VG --log-file="$tmp/vg-hub.%p" "$HUB" --ring "$ring" --ring-size 1M \
	--runtime-dir "$rundir" --state-dir "$tmp" >"$tmp/hub.log" 2>&1 &
hub_pid=$!; pids="$pids $hub_pid"
for _ in $(seq 300); do [ -S "$rundir/rpc" ] && break; sleep 0.1; done
[ -S "$rundir/rpc" ] || { echo "hub did not start"; cat "$tmp/hub.log"; exit 99; }
$VG --log-file="$tmp/vg-edge.%p" "$EDGE" --listen "127.0.0.1:$port" \
	--runtime-dir "$rundir" >"$tmp/edge.log" 2>&1 &
edge_pid=$!; pids="$pids $edge_pid"
wait_pid=$edge_pid
for _ in 1 2 3; do wait_for healthy "$port" && break; done
healthy "$port" || { echo "edge did not start"; cat "$tmp/edge.log"; exit 99; }
$VG --log-file="$tmp/vg-emit.%p" "$EMIT" --ring "$ring" --demo --rate 100 \
	--count 600 >"$tmp/emit.log" 2>&1 &
emit_pid=$!; pids="$pids $emit_pid"

t0=$(date +%s)
"$PY" "$top_srcdir/tests/fuzz/session.py" "$port" 8 || { echo "session failed"; exit 1; }
wait "$emit_pid" || echo "flowhub-emit exited $?"
kill -TERM "$edge_pid" "$hub_pid"
wait "$edge_pid" || true
wait "$hub_pid" || true
echo "session under valgrind: $(( $(date +%s) - t0 )) s"

fail=0
for f in "$tmp"/vg-*; do
	name=${f##*/vg-}; name=${name%%.*}
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$f" | tail -1)
	lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$f" | tail -1)
	[ -n "$lost" ] || { grep -q 'All heap blocks were freed' "$f" && lost=0; }
	reach=$(sed -n 's/.*still reachable: \([0-9,]*\) bytes.*/\1/p' "$f" | tail -1)
	echo "$name: ${errs:-?} errors, ${lost:-?} bytes definitely lost, ${reach:-0} bytes still reachable"
	if [ "${errs:-x}" != 0 ] || [ "${lost:-x}" != 0 ]; then
		fail=1
		grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|.*definitely lost)' -A12 "$f" | head -60
	fi
done
exit $fail
