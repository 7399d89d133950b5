#!/bin/sh
# Wrong tokens and wrong Origins are refused at the upgrade; the read
# token cannot write; a network timing comparison of wrong tokens that
# share 0 vs all-but-one leading characters with the real one.
. "$top_srcdir/tests/hostile/lib.sh"
rtok=$("$PY" -c 'import secrets; print(secrets.token_hex(100))')
wtok=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')
start_hub
start_edge --read-token "$rtok" --write-token "$wtok" --origin "http://good.example"
"$PY" "$HOSTILE/auth.py" "$port" "$rtok" "$wtok"
rc=$?
if grep -F -e "$rtok" -e "$wtok" "$tmp/edge.log" "$tmp/hub.log" >/dev/null; then
	echo "FAIL: a token appears in a log"; rc=1
fi
exit $rc
