#!/bin/sh
# flowhub-emit --demo --count N writes exactly N valid events that look
# like program runs: every event kind, every log level, several tags,
# non-ASCII display texts, each block_executed after its block_started.
. "$top_srcdir/tests/e2e/emit_lib.sh"

n=600
"$emit" -q --ring "$ring" --demo --rate 0 --count $n || fail "demo status $?"
# ringcat exits 1 if any record fails the payload check.
"$ringcat" -n $n -t 10000 "$ring" > "$tmp/out" || fail "ringcat status $?"
rc=0
"$ringcat" -n 1 -t 300 "$ring" > /dev/null || rc=$?
[ "$rc" = 3 ] || fail "more than $n events written"
"$py" - "$tmp/out" $n <<'PY' || fail "demo contents"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(recs) == int(sys.argv[2]), len(recs)
kinds = {r["event"] for r in recs}
assert kinds == {"execution_started", "block_started", "block_executed", "log",
                 "hardware_health", "execution_finished"}, kinds
assert recs[0]["event"] == "execution_started"
logs = [r for r in recs if r["event"] == "log"]
assert {l["level"] for l in logs} == {"debug", "info", "warn", "error"}, \
    {l["level"] for l in logs}
assert len({l.get("tag") for l in logs}) >= 4
assert len({l.get("module") for l in logs}) >= 4
assert any(not r.get("displayText", "a").isascii() for r in recs)
started = set()
failed = 0
for r in recs:
    if r["event"] == "block_started":
        started.add(r["blockId"])
    if r["event"] == "block_executed":
        assert r["blockId"] in started, r
        failed += r["status"] == "failed"
        if r["status"] == "completed":
            assert "result" in r
        else:
            assert r["error"]
sensor = [r for r in recs if r["event"] == "block_executed"
          and isinstance(r.get("result"), dict) and "unit" in r["result"]]
assert {s["result"]["unit"] for s in sensor} >= {"mS/cm", "pH", "°C"}
assert failed > 0
PY

# Pacing: 10 events at 50/s cannot take less than 9 periods (180 ms).
start=$("$py" -c 'import time; print(time.monotonic())')
"$emit" -q --ring "$ring" --demo --rate 50 --count 10 || fail "paced demo status $?"
"$py" -c "import time,sys; d=time.monotonic()-$start; sys.exit(0 if d >= 0.17 else 1)" ||
	fail "10 events at 50/s finished too early"
"$ringcat" -n 10 -t 5000 "$ring" > /dev/null || fail "paced events missing"

# An endless demo stops cleanly on SIGTERM (how supervisors stop it).
"$emit" --ring "$ring" --demo --rate 100 2> "$tmp/term.err" &
pid=$!
pids=$pid
"$ringcat" -n 5 -t 5000 "$ring" > /dev/null || fail "endless demo wrote nothing"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pids=
[ "$rc" = 0 ] || fail "SIGTERM: status $rc"
grep -q 'stopped by signal' "$tmp/term.err" || fail "no summary: $(cat "$tmp/term.err")"
exit 0
