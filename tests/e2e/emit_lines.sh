#!/bin/sh
# flowhub-emit in lines mode: valid lines reach the ring in order with
# their fields (non-ASCII text intact, ISO ts normalised), every bad line
# is reported with its number, the others still go in, exit status 1.
. "$top_srcdir/tests/e2e/emit_lib.sh"

long=$("$py" -c 'print("{\"event\":\"log\",\"level\":\"info\",\"message\":\"" + "x" * 70000 + "\"}")')
{
	echo '{"event":"execution_started","sessionId":"s-1","programId":"p-7","programName":"Hydro A","meta":{"v":1}}'
	echo '{"event":"log", oops'
	echo '{"event":"block_finished","blockId":"b1"}'
	echo '{"event":"log","level":"info","message":"Измерва EC... 21.4 °C ✓","tag":"Sensor","data":{"unit":"°C"}}'
	echo '{"event":"block_started","blockId":"b1"}'
	echo '   '
	echo '{"event":"log","level":"verbose","message":"m"}'
	echo '{"event":"block_started","blockId":"b1","blockType":"sensor_read","displayText":"Отваря клапан","ts":"2025-09-18T19:21:00.007Z"}'
	echo "$long"
	echo '{"event":"block_executed","blockId":"b1","status":"completed","result":[1,"two",{"3":null}],"ts":1758223261000}'
	printf '%s' '{"event":"execution_finished","status":"completed"}'
} > "$tmp/in.jsonl"

rc=0
"$emit" --ring "$ring" "$tmp/in.jsonl" 2> "$tmp/err" || rc=$?
[ "$rc" = 1 ] || { cat "$tmp/err"; fail "exit status $rc, want 1"; }
for n in 2 3 5 7 9; do
	grep -q "^LINE $n: " "$tmp/err" || { cat "$tmp/err"; fail "no report for line $n"; }
done
for n in 1 4 6 8 10 11; do
	grep -q "^LINE $n: " "$tmp/err" && { cat "$tmp/err"; fail "line $n reported"; }
done
grep -q '^LINE 3: unknown event "block_finished"' "$tmp/err" || fail "reason for line 3"
grep -q '^LINE 5: missing required field "blockType"' "$tmp/err" || fail "reason for line 5"
grep -q '^LINE 9: line longer than' "$tmp/err" || fail "reason for line 9"

"$ringcat" -n 5 -t 5000 "$ring" > "$tmp/out" || fail "ringcat: status $?"
"$py" - "$tmp/out" <<'PY' || fail "ring contents"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
ev = [r["event"] for r in recs]
assert ev == ["execution_started", "log", "block_started", "block_executed",
              "execution_finished"], ev
assert recs[0]["sessionId"] == "s-1" and recs[0]["meta"] == {"v": 1}, recs[0]
assert recs[1]["message"] == "Измерва EC... 21.4 °C ✓", recs[1]
assert recs[1]["data"] == {"unit": "°C"}
assert recs[2]["displayText"] == "Отваря клапан"
assert recs[2]["ts"] == 1758223260007, recs[2]
assert recs[3]["ts"] == 1758223261000 and recs[3]["result"] == [1, "two", {"3": None}]
assert all(isinstance(r["ts"], int) and r["ts"] > 0 for r in recs)
PY
# Nothing else went in.
rc=0
"$ringcat" -n 1 -t 300 "$ring" > "$tmp/more" || rc=$?
[ "$rc" = 3 ] || fail "extra records in the ring: $(cat "$tmp/more")"

# The record limit (64 KiB by default) bounds a line: exactly the limit
# goes in, one byte more is refused.
"$py" - > "$tmp/edge.jsonl" <<'PY'
head, tail = '{"event":"log","level":"info","message":"', '"}'
for size in (65536, 65537):
    print(head + "x" * (size - len(head) - len(tail)) + tail)
PY
rc=0
"$emit" -q --ring "$ring" "$tmp/edge.jsonl" 2> "$tmp/err3" || rc=$?
[ "$rc" = 1 ] || fail "limit lines: status $rc"
grep -q '^LINE 2: line longer than the record limit of 65536' "$tmp/err3" ||
	fail "65537-byte line: $(cat "$tmp/err3")"
grep -q '^LINE 1:' "$tmp/err3" && fail "65536-byte line refused: $(cat "$tmp/err3")"
"$ringcat" -n 1 -t 5000 "$ring" > /dev/null || fail "65536-byte line not in the ring"

# All lines valid: status 0, nothing on stderr but the summary.
grep -v -e oops -e block_finished -e verbose -e '"blockId":"b1"}$' -e xxxxxxxx \
	"$tmp/in.jsonl" > "$tmp/good.jsonl"
"$emit" -q --ring "$ring" - < "$tmp/good.jsonl" 2> "$tmp/err2" || fail "good input: status $?"
[ -s "$tmp/err2" ] && fail "unexpected stderr: $(cat "$tmp/err2")"
"$ringcat" -n 5 -t 5000 "$ring" > /dev/null || fail "good input not in ring"
exit 0
