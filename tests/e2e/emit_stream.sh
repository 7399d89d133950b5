#!/bin/sh
# flowhub-emit streams: a line written into a pipe is in the ring while
# the writer still holds the pipe open (no waiting for EOF).
. "$top_srcdir/tests/e2e/emit_lib.sh"

mkfifo "$tmp/fifo"
"$emit" -q --ring "$ring" < "$tmp/fifo" &
pid=$!
pids=$pid
exec 3> "$tmp/fifo"
echo '{"event":"log","level":"info","message":"first","tag":"FlowExecutor"}' >&3
"$ringcat" -n 1 -t 5000 "$ring" > "$tmp/out1" || fail "first line not in the ring before EOF"
grep -q '"message":"first"' "$tmp/out1" || fail "wrong record: $(cat "$tmp/out1")"
kill -0 "$pid" 2>/dev/null || fail "flowhub-emit exited early"
echo '{"event":"log","level":"warn","message":"second"}' >&3
"$ringcat" -n 1 -t 5000 "$ring" > "$tmp/out2" || fail "second line not in the ring"
grep -q '"message":"second"' "$tmp/out2" || fail "wrong record: $(cat "$tmp/out2")"
exec 3>&-
rc=0
wait "$pid" || rc=$?
pids=
[ "$rc" = 0 ] || fail "flowhub-emit status $rc after EOF"
exit 0
