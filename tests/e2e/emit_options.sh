#!/bin/sh
# flowhub-emit options: help matches the man page synopsis, bad options
# and config files fail with one line and status 2, the config file
# works with long option names, a full ring makes flowhub-emit wait
# (nothing lost) or, with --no-wait, drop and say so.
. "$top_srcdir/tests/e2e/emit_lib.sh"

"$emit" --help > "$tmp/help" || fail "--help status"
"$py" - "$tmp/help" "$top_srcdir/doc/flowhub-emit.1" <<'PY' || fail "usage and man page differ"
import re, sys
usage = open(sys.argv[1]).read().split("\n\n")[0]
man = open(sys.argv[2]).read()
syn = man.split(".SH SYNOPSIS")[1].split(".SH DESCRIPTION")[0]
u = set(re.findall(r"--([a-z-]+)", usage))
m = set(o.replace("\\-", "-") for o in re.findall(r"\\-\\-((?:[a-z]|\\-)+)", syn))
assert u == m, (sorted(u), sorted(m))
PY
"$emit" --version | grep -q '^flowhub-emit ' || fail "--version"

expect2() { # expect status 2 and a one-line reason matching $1
	want=$1; shift
	rc=0
	"$emit" "$@" > /dev/null 2> "$tmp/err" || rc=$?
	[ "$rc" = 2 ] || fail "$* : status $rc, want 2"
	[ "$(wc -l < "$tmp/err")" -ge 1 ] || fail "$* : no reason"
	grep -q -- "$want" "$tmp/err" || fail "$* : reason '$(cat "$tmp/err")' lacks '$want'"
}
expect2 'need --demo' --ring "$ring" --rate 5
expect2 'power of two' --ring "$ring" --ring-size 1000
expect2 'ring name' --ring noslash
expect2 'count' --ring "$ring" --demo --count 0
expect2 'rate' --ring "$ring" --demo --rate fast
expect2 'usage' --bogus
expect2 'No such file' --ring "$ring" "$tmp/absent.jsonl"
expect2 'one input file' --ring "$ring" a b

# Config file: long option names as keys, the command line wins.
cat > "$tmp/emit.conf" <<EOC
# demo from a file
[emit]
ring = $ring
demo = yes
rate = 0
count = 7
EOC
"$emit" -q --config "$tmp/emit.conf" --count 4 || fail "config run status $?"
"$ringcat" -n 4 -t 5000 "$ring" > /dev/null || fail "config run wrote nothing"
rc=0; "$ringcat" -n 1 -t 300 "$ring" > /dev/null || rc=$?
[ "$rc" = 3 ] || fail "command line --count did not override the file"
printf 'ring = %s\nspeed = 3\n' "$ring" > "$tmp/bad.conf"
expect2 "bad.conf:2: unknown key 'speed'" --config "$tmp/bad.conf"
printf 'rate = -1\n' > "$tmp/bad2.conf"
expect2 "bad2.conf:1:" --config "$tmp/bad2.conf"
"$emit" --config "$tmp/emit.conf" --check-config > /dev/null || fail "--check-config"

# A segment of another size is refused, not silently reused.
expect2 'another size' --ring "$ring" --ring-size 128K --demo --count 1
"$ringcat" -u "$ring"

# Full ring, default: flowhub-emit waits until a consumer makes room.
n=3000
"$emit" -q --ring "$ring" --ring-size 64K --demo --rate 0 --count $n &
pid=$!
pids=$pid
sleep 0.5
kill -0 "$pid" 2>/dev/null || fail "did not wait on a full ring"
"$ringcat" -n $n -t 20000 "$ring" > "$tmp/drain" || fail "drained $(wc -l < "$tmp/drain") of $n"
rc=0; wait "$pid" || rc=$?
pids=
[ "$rc" = 0 ] || fail "waiting emit status $rc"

# Full ring with --no-wait: drops, counts, says so, status 1.
rc=0
"$emit" --ring "$ring" --demo --rate 0 --count $n --no-wait 2> "$tmp/err" || rc=$?
[ "$rc" = 1 ] || fail "--no-wait on a full ring: status $rc"
grep -q 'dropped' "$tmp/err" || fail "drops not reported: $(cat "$tmp/err")"
exit 0
