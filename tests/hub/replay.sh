#!/bin/sh
# Crash replay determinism.  The same 100 000 mixed events are fed by
# flowhub-emit to two hubs: one runs undisturbed; the other is killed
# with SIGKILL at 20 random moments while the producer keeps writing, and
# restarted each time.  The final states must be equal, and every event
# the second hub ever published or served (followed across restarts by
# hubclient follow) must carry the same seq, type and data as in the
# first run.  The events are paced into flowhub-emit's stdin over a few
# seconds so that the kills land while it writes; the ring is large
# enough that nothing is refused (a refused write would be a gap, which
# depends on timing).
. "$top_srcdir/tests/hub/lib.sh"
EMIT=$B/emit/flowhub-emit
[ -x "$EMIT" ] || { echo "flowhub-emit not built"; exit 77; }
N=${REPLAY_EVENTS:-100000}
KILLS=${REPLAY_KILLS:-20}
RING_SIZE=16M
PACE_S=${REPLAY_SECONDS:-8}

$PY - "$N" >"$WORK/events.jsonl" <<'PYEOF' || exit 99
import json, random, sys
n = int(sys.argv[1]); rnd = random.Random(20250918); ts = 1758223260000
active = []; out = []
for i in range(n):
    ts += rnd.randint(0, 9)
    r = rnd.random()
    if i % 5000 == 0:
        e = {"event": "execution_started", "sessionId": "s-%d" % (i // 5000),
             "programId": "p-7", "programName": "Hydro A", "meta": {"i": i}}
        active = []
    elif i % 5000 == 4999:
        e = {"event": "execution_finished", "status": rnd.choice(["completed", "failed", "stopped"]),
             "summary": {"n": i}}
    elif r < 0.25:
        bid = "b-%d" % i if rnd.random() < 0.95 else "b-dup"
        active.append(bid)
        e = {"event": "block_started", "blockId": bid, "blockType": rnd.choice(["wait", "sensor", "pump"]),
             "blockName": "Block %d" % (i % 101), "displayText": "step %d" % i,
             "params": {"p": rnd.randint(0, 100)}}
    elif r < 0.48:
        bid = active.pop(rnd.randrange(len(active))) if active and rnd.random() < 0.97 else "ghost-%d" % i
        e = {"event": "block_executed", "blockId": bid,
             "status": rnd.choice(["completed", "completed", "failed", "skipped"]),
             "result": {"v": rnd.random()} if rnd.random() < 0.8 else [1, "x", None]}
        if e["status"] == "failed":
            e["error"] = "error %d" % i
    elif r < 0.9:
        e = {"event": "log", "level": rnd.choice(["debug", "info", "warn", "error"]),
             "message": "line %d" % i, "tag": rnd.choice(["io", "ctl", "net"]),
             "module": rnd.choice(["core", "pump"]), "data": {"k": i}}
    else:
        e = {"event": "hardware_health", "component": "comp_%d" % rnd.randint(0, 30),
             "status": rnd.choice(["ok", "degraded", "fault", "offline"]),
             "details": {"t": rnd.randint(0, 99)}}
    e["ts"] = ts
    out.append(json.dumps(e))
print("\n".join(out))
PYEOF

HUBOPTS="--retain 200000"

# ---- run A: undisturbed ---------------------------------------------------
RING_A=$RING
start_hub $HUBOPTS
"$EMIT" --ring "$RING" "$WORK/events.jsonl" 2>"$WORK/emit_a.err" || fail "emit A: $(cat "$WORK/emit_a.err")"
"$CLIENT" wait "$RPC" "$N" 30000 || fail "run A did not reach $N"
"$CLIENT" req "$RPC" '["state"]' >"$WORK/state_a"
"$CLIENT" since "$RPC" 0 >"$WORK/events_a" || fail "since A"
stop_hub TERM
rm -f "/dev/shm$RING_A"

# ---- run B: killed at random moments -------------------------------------
# (the follower may take far longer than the run on a loaded machine: its
# deadline only bounds a stuck test)
RING=/fhe2e-$$-b-$(basename "$WORK")
rm -rf "$WORK/state" "$WORK/run"
start_hub $HUBOPTS
"$CLIENT" follow "$EVENTS" "$RPC" -n "$N" -w 150000 >"$WORK/follow" 2>"$WORK/follow.err" &
FOLLOW=$!
$PY -c '
import sys, time
lines = open(sys.argv[1]).readlines(); secs = float(sys.argv[2])
step = 100; t0 = time.monotonic()
for i in range(0, len(lines), step):
    sys.stdout.write("".join(lines[i:i + step])); sys.stdout.flush()
    delay = t0 + secs * (i + step) / len(lines) - time.monotonic()
    if delay > 0:
        time.sleep(delay)
' "$WORK/events.jsonl" "$PACE_S" | "$EMIT" --ring "$RING" - 2>"$WORK/emit_b.err" &
EMITPID=$!
EXTRA_PIDS="$FOLLOW $EMITPID"
k=0
while [ $k -lt "$KILLS" ]; do
	sleep "$($PY -c "import random; print(random.uniform(0.02, 0.3))")"
	kill -KILL "$HUB_PID"
	wait "$HUB_PID" 2>/dev/null
	HUB_PID=
	k=$((k + 1))
	kill -0 "$EMITPID" 2>/dev/null && echo "kill $k: producer still writing" >>"$WORK/kills"
	start_hub $HUBOPTS
done
wait "$EMITPID" || fail "emit B: $(cat "$WORK/emit_b.err")"
"$CLIENT" wait "$RPC" "$N" 30000 || fail "run B did not reach $N"
"$HUB" --ring "$RING" --runtime-dir "$WORK/run" --status >"$WORK/status_b"
grep -q "dropped: 0" "$WORK/status_b" || fail "ring refused writes: $(cat "$WORK/status_b")"
wait "$FOLLOW"
frc=$?
[ $frc -eq 0 ] || fail "follower exited with status $frc: $(cat "$WORK/follow.err")"
EXTRA_PIDS=
"$CLIENT" req "$RPC" '["state"]' >"$WORK/state_b"
stop_hub TERM
writing=$(grep -c writing "$WORK/kills" 2>/dev/null || echo 0)
echo "$writing of $KILLS kills hit while the producer was writing"

$PY - "$WORK" "$N" <<'PYEOF' || fail "runs differ"
import json, sys
w, n = sys.argv[1], int(sys.argv[2])
sa = json.load(open(w + "/state_a")); sb = json.load(open(w + "/state_b"))
assert sa[1] == n and sb[1] == n, (sa[1], sb[1])
assert sa[2] == sb[2], "final states differ"
ref = {}
for l in open(w + "/events_a"):
    e = json.loads(l); ref[e["seq"]] = (e["type"], e["data"])
assert sorted(ref) == list(range(1, n + 1)), "run A history incomplete"
seen = {}; holes = 0
for l in open(w + "/follow"):
    e = json.loads(l)
    if "hole_from" in e:
        holes += e["hole_to"] - e["hole_from"] + 1; continue
    got = (e["type"], e["data"])
    assert got == ref[e["seq"]], "seq %d: %r != %r" % (e["seq"], got, ref[e["seq"]])
    seen[e["seq"]] = 1
print("followed %d of %d seqs (%d in holes), all identical to the undisturbed run"
      % (len(seen), n, holes))
# A restarted hub's history reaches 256 KiB before its checkpoint, so
# the follower normally sees every seq; one that fell further behind than
# that while a hub died misses the range (reported as holes: an edge takes
# a fresh state there, as the protocol allows).  How far behind it falls
# depends on the machine's load (under ASan on a busy machine, 3-4 % of
# the seqs), so the floor only makes sure the comparison above covered
# most of the run: a drift of the sequence after any restart would show
# in every later event.
assert len(seen) >= n * 0.8, "too few seqs observed to compare"
PYEOF
exit 0
