#!/bin/sh
# Ring overflow while the hub is down becomes exactly one gap event with
# the number of records lost, placed after what the ring held, and a
# restarted hub does not report it again.
. "$top_srcdir/tests/hub/lib.sh"
RING_SIZE=64K

start_hub
"$FEED" -r "$RING" -g 10 || fail "feed"
"$CLIENT" wait "$RPC" 10 5000 || fail "first events"
stop_hub KILL

# 64 KiB hold a few hundred records; the rest are refused and counted
"$FEED" -r "$RING" -g 3000 -s 10 2>"$WORK/feed.err"
lost=$(sed -n 's/^ringfeed: \([0-9]*\) records dropped.*/\1/p' "$WORK/feed.err")
[ -n "$lost" ] && [ "$lost" -gt 0 ] || fail "nothing dropped: $(cat "$WORK/feed.err")"
kept=$((3000 - lost))

start_hub
want=$((10 + kept + 1))
"$CLIENT" wait "$RPC" "$want" 10000 || fail "did not reach seq $want"
"$CLIENT" since "$RPC" 10 >"$WORK/after"
$PY - "$WORK/after" "$lost" "$kept" <<'PYEOF' || fail "gap"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
lost, kept = int(sys.argv[2]), int(sys.argv[3])
gaps = [e for e in evs if e["type"] == "gap"]
assert len(gaps) == 1, gaps
assert gaps[0]["data"] == {"lost": lost, "reason": "ring_overflow"}, gaps[0]
assert evs.index(gaps[0]) == kept, "gap is not after the records the ring held"
PYEOF

# a restart finds nothing new to report
stop_hub KILL
start_hub
sleep 0.5
[ "$(hub_seq)" = "$want" ] || fail "seq moved to $(hub_seq) after restart"
"$FEED" -r "$RING" -g 5 -s 5000 || fail "feed 3"
"$CLIENT" wait "$RPC" $((want + 5)) 5000 || fail "events after the gap"
stop_hub TERM
exit 0
