#!/bin/sh
# Hostile input to the daemon: bad ring records of every kind are counted
# per kind, logged once per kind (rate-limited), skipped, and never stop
# the hub; bad requests get error replies; a corrupt checkpoint is
# reported and the hub starts afresh.
. "$top_srcdir/tests/hub/lib.sh"
start_hub

raw() { "$FEED" -r "$RING" -x "$1" "$2" || fail "write raw record"; }
i=0
while [ $i -lt 50 ]; do raw 99 80; i=$((i + 1)); done     # unknown type x50
raw 4 c1                                                  # not msgpack
raw 4 dfffffffffa161c0                                    # map claims 4G entries
raw 4 c6ffffffff00                                        # bin claims 4 GiB
raw 4 91c0                                                # not a map
printf '%s\n' '{"event":"log","level":"info"}' \
	'{"event":"log","level":7,"message":"m"}' \
	'{"event":"log","level":"loud","message":"m"}' \
	'{"event":"block_started","blockId":"'"$(printf '%0200d' 1)"'","blockType":"t"}' \
	| "$FEED" -r "$RING" || fail "feed json"
"$FEED" -r "$RING" -g 1 || fail "feed good"
"$CLIENT" wait "$RPC" 1 5000 || fail "the good event after the bad ones"
sleep 0.2
"$HUB" --ring "$RING" --runtime-dir "$WORK/run" --status >"$WORK/status"
for kv in "unknown type: 50" "not msgpack: 3" "not a map: 1" "missing field: 1" \
	"wrong field type: 1" "bad field value: 1" "identifier too long: 1"; do
	grep -q "$kv" "$WORK/status" || fail "status lacks '$kv': $(cat "$WORK/status")"
done
n=$(grep -c 'skipped bad ring record (type 99)' "$WORK/hub.log")
[ "$n" = 1 ] || fail "unknown type logged $n times"

# bad requests: an error reply each, the hub carries on
for req in '[]' '{"a":1}' '["since","x"]' '["filter_add","e",["nope"],null,null]' \
	'["hw","pump","broken",{}]' '["state",1]' '["zzz"]'; do
	"$CLIENT" req "$RPC" "$req" >"$WORK/rep" || fail "no reply to $req"
	grep -q '^\["error"' "$WORK/rep" || fail "$req: $(cat "$WORK/rep")"
done
[ "$(hub_seq)" = 1 ] || fail "seq changed by bad input"

# a corrupt checkpoint: reported, fresh start at seq 0
stop_hub TERM
printf 'garbage' | dd of="$WORK/state/hub.ckpt" bs=1 seek=20 conv=notrunc 2>/dev/null
start_hub
grep -q 'checkpoint .* is unusable' "$WORK/hub.log" || fail "corrupt checkpoint not reported"
[ "$(hub_seq)" = 0 ] || fail "seq after a corrupt checkpoint: $(hub_seq)"
"$FEED" -r "$RING" -g 2 -s 1 || fail "feed after restart"
"$CLIENT" wait "$RPC" 2 5000 || fail "events after a fresh start"
stop_hub TERM
exit 0
