#!/bin/sh
# The hub daemon end to end: configuration errors, endpoints and their
# permissions, ring -> state -> pub/rpc, SIGTERM's final checkpoint and a
# restart that continues the sequence.
. "$top_srcdir/tests/hub/lib.sh"

# bad configuration: one line, exit 1, nothing opened
"$HUB" --ring-size 1000 >"$WORK/err" 2>&1 && fail "bad ring size accepted"
[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "not one line: $(cat "$WORK/err")"
"$HUB" --events-url http://x >/dev/null 2>&1 && fail "bad url accepted"
printf 'retain = 0\n' >"$WORK/bad.conf"
"$HUB" --config "$WORK/bad.conf" >"$WORK/err" 2>&1 && fail "bad config file accepted"
grep -q 'bad.conf:1' "$WORK/err" || fail "config error does not name the line"
printf 'recent = 5\nring = %s\n' "$RING" >"$WORK/ok.conf"
"$HUB" --config "$WORK/ok.conf" --check-config >"$WORK/out" || fail "check-config"
grep -q "ring $RING" "$WORK/out" || fail "check-config output"
[ -e "/dev/shm$RING" ] && fail "check-config opened the ring"

start_hub --config "$WORK/ok.conf"
mode=$(stat -c %a "$WORK/run")
[ "$mode" = 700 ] || fail "runtime dir mode $mode"
mode=$(stat -c %a "$WORK/run/rpc")
case $mode in ?00) ;; *) fail "rpc socket mode $mode" ;; esac

# subscribe, then produce 500 mixed events
"$CLIENT" sub "$EVENTS" -t E -w 3000 >"$WORK/sub.out" 2>/dev/null &
SUB=$!
EXTRA_PIDS=$SUB
sleep 0.3
"$FEED" -r "$RING" -g 500 -w || fail "feed"
i=0
while [ "$(hub_seq)" != 500 ]; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "seq $(hub_seq), wanted 500"; sleep 0.05
done
wait $SUB
EXTRA_PIDS=
$PY - "$WORK/sub.out" <<'PYEOF' || fail "subscriber stream"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
seqs = [l["seq"] for l in lines]
assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "order"
assert all(l["type"] != "log_entry" for l in lines), "logs without filters"
assert len(lines) == 500 - 150, len(lines)     # 150 of 500 are logs
prev = 0
for l in lines:
    assert l["prev_e"] <= prev or l["prev_e"] < l["seq"]
assert lines[-1]["type"] == "execution_started" or lines[-1]["seq"] <= 500
PYEOF

"$CLIENT" req "$RPC" '["state"]' >"$WORK/state1"
$PY - "$WORK/state1" <<'PYEOF' || fail "state"
import json, sys
ok, seq, st = json.load(open(sys.argv[1]))
assert ok == "ok" and seq == 500 and st["seq"] == 500
assert len(st["recent"]) == 5, len(st["recent"])   # recent = 5 from the file
ctx = st["executionContext"]
assert ctx["sessionId"] == "s-0" and ctx["status"] == "running", ctx
assert set(st["hardware"]) == {"pump_%d" % i for i in range(5)}
PYEOF

stop_hub TERM
[ "$HUB_STATUS" = 0 ] || fail "SIGTERM exit status $HUB_STATUS"
grep -q 'final checkpoint at seq 500' "$WORK/hub.log" || fail "no final checkpoint"
[ -e "$WORK/run/rpc" ] && fail "rpc socket left behind"

# written while the hub is down, then a restart continues the sequence
"$FEED" -r "$RING" -g 100 -s 500 -w || fail "feed 2"
start_hub --config "$WORK/ok.conf"
i=0
while [ "$(hub_seq)" != 600 ]; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "seq after restart $(hub_seq)"; sleep 0.05
done
"$CLIENT" since "$RPC" 500 >"$WORK/since" || fail "since after restart"
[ "$(wc -l <"$WORK/since")" = 100 ] || fail "since count $(wc -l <"$WORK/since")"
"$HUB" --ring "$RING" --runtime-dir "$WORK/run" --status >"$WORK/status" || fail "status"
grep -q 'last_seq: 600' "$WORK/status" || fail "status: $(cat "$WORK/status")"
grep -q 'consumer heartbeat age' "$WORK/status" || fail "status ring part"
stop_hub TERM
exit 0
