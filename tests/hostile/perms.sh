#!/bin/sh
# The shm segment is created 0600 and the runtime dir 0700, and another
# user (nobody, via setpriv) can neither write the segment, nor create a
# file in the runtime dir, nor connect to the hub's NNG sockets in it.
. "$top_srcdir/tests/hostile/lib.sh"
command -v setpriv >/dev/null || { echo "SKIP: no setpriv"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to switch to nobody"; exit 77; }
nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
# Let nobody reach into $tmp, so the runtime dir's own mode is tested.
chmod 0711 "$tmp"
probe=$tmp/probe; mkdir "$probe"; chmod 0777 "$probe"
nobody sh -c "echo x > '$probe/ok'" 2>/dev/null || {
	echo "SKIP: cannot run commands as nobody"; exit 77; }

start_hub
fail=0
seg=/dev/shm/${ring#/}
m=$(stat -c %a "$seg"); echo "ring segment $seg: mode $m (hub created it)"
[ "$m" = 600 ] || { echo "FAIL: segment mode $m, want 600"; fail=1; }
m=$(stat -c %a "$rundir"); echo "runtime dir $rundir: mode $m"
[ "$m" = 700 ] || { echo "FAIL: runtime dir mode $m, want 700"; fail=1; }
for s in "$rundir"/*; do
	[ -S "$s" ] && echo "socket $s: mode $(stat -c %a "$s")"
done

if nobody sh -c "printf x >> '$seg'" 2>/dev/null; then
	echo "FAIL: nobody wrote to the ring segment"; fail=1
else echo "nobody cannot write the segment: ok"; fi
if nobody sh -c "head -c1 '$seg' >/dev/null" 2>/dev/null; then
	echo "FAIL: nobody read the ring segment"; fail=1
else echo "nobody cannot read the segment: ok"; fi
if nobody sh -c "touch '$rundir/evil'" 2>/dev/null; then
	echo "FAIL: nobody created a file in the runtime dir"; fail=1
else echo "nobody cannot create files in the runtime dir: ok"; fi
if nobody "$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$rundir/rpc" 2>/dev/null; then
	echo "FAIL: nobody connected to the hub's rpc socket"; fail=1
else echo "nobody cannot connect to the hub's rpc socket: ok"; fi

# A segment created by a producer first (flowhub-emit) is 0600 as well.
ring2=/fhh2-$$-$RANDOM
echo '{"event":"log","level":"info","message":"perm"}' | "$EMIT" --ring "$ring2" >/dev/null 2>&1
seg2=/dev/shm/${ring2#/}
if [ -e "$seg2" ]; then
	m=$(stat -c %a "$seg2"); echo "ring segment $seg2: mode $m (flowhub-emit created it)"
	[ "$m" = 600 ] || { echo "FAIL: producer-created segment mode $m"; fail=1; }
	rm -f "$seg2"
else
	echo "flowhub-emit created no segment (it needs the hub's): not checked"
fi
exit $fail
