#!/bin/sh
# What `make install` puts on a machine works as installed: the programs
# run, the library links through its installed header and shmring.pc,
# the man pages render without warnings, the supervisord group parses
# and names the installed programs, and the systemd units pass
# `systemd-analyze verify` with their hardening above a floor.
#
# The tree is installed into a private DESTDIR; the units' ExecStart
# paths are pointed into it for the verification, nothing else changes.
set -eu

top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
PY=/usr/bin/python3

d=$(mktemp -d "${TMPDIR:-/tmp}/flowhub-install.XXXXXX")
trap 'rm -rf "$d"' EXIT INT TERM
root=$d/root
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# The parent make's jobserver is not ours to join.
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" \
	install DESTDIR="$root" >"$d/install.log" 2>&1; then
	tail -n 20 "$d/install.log"
	echo "make install failed"
	exit 99
fi

prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
P=$root$prefix
bindir=$P/bin
libdir=$P/lib
[ -d "$bindir" ] || { echo "no $bindir after install"; exit 99; }

# ---- programs -------------------------------------------------------------
for p in flowhub flowhub-edge flowhub-emit; do
	if out=$(LD_LIBRARY_PATH=$libdir "$bindir/$p" --version 2>&1) &&
	   echo "$out" | grep -q '[0-9]\.[0-9]'; then
		ok "$p --version: $out"
	else
		fail "$p --version: $out"
	fi
done

# ---- the library through its installed header and pkg-config file --------
cat >"$d/use.c" <<'EOF'
#include <shmring.h>
#include <shmring_event.h>
#include <stdio.h>
#include <string.h>
int
main(int argc, char **argv)
{
	struct shmring *r = NULL;
	struct shmring_opts o;
	int rc;

	(void)argc;
	memset(&o, 0, sizeof(o));
	o.capacity = 1 << 16;
	rc = shmring_open(&r, argv[1], &o);
	if (rc != 0) {
		fprintf(stderr, "shmring_open: %d\n", rc);
		return 1;
	}
	shmring_close(r);
	shmring_unlink(argv[1]);
	return 0;
}
EOF
pcdir=$libdir/pkgconfig
if cflags=$(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$root \
	pkg-config --cflags shmring) &&
   libs=$(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$root \
	pkg-config --libs shmring); then
	# A sanitizer build's library needs the sanitizer runtime linked in.
	san=$(sed -n 's/^SAN_LDFLAGS = //p' "$top_builddir/Makefile")
	# shellcheck disable=SC2086
	if ${CC:-cc} $san $cflags -o "$d/use" "$d/use.c" $libs 2>"$d/cc.log" &&
	   LD_LIBRARY_PATH=$libdir "$d/use" "/fhinst-$$"; then
		ok "a program builds with pkg-config shmring and runs"
	else
		cat "$d/cc.log"
		fail "building or running against the installed libshmring"
	fi
else
	fail "pkg-config shmring"
fi

# ---- man pages --------------------------------------------------------------
for m in man1/flowhub-emit.1 man3/shmring.3 man8/flowhub.8 man8/flowhub-edge.8; do
	f=$P/share/man/$m
	if [ ! -f "$f" ]; then
		fail "$m not installed"
	elif ! command -v groff >/dev/null 2>&1; then
		ok "$m installed (groff missing: not rendered)"
	elif w=$(groff -man -Tutf8 -ww -z "$f" 2>&1) && [ -z "$w" ]; then
		ok "$m renders without warnings"
	else
		fail "$m: $w"
	fi
done

# ---- supervisord program group ---------------------------------------------
sconf=$(find "$root" -path '*supervisor/conf.d/flowhub.conf' | head -n 1)
if [ -z "$sconf" ]; then
	fail "supervisord program group not installed"
elif "$PY" - "$sconf" "$prefix" <<'EOF'
import configparser, sys
c = configparser.RawConfigParser()
c.read(sys.argv[1])
progs = [s for s in c.sections() if s.startswith("program:")]
groups = [s for s in c.sections() if s.startswith("group:")]
assert progs, "no program sections"
assert groups, "no group section"
for s in progs:
    cmd = c.get(s, "command")
    assert cmd.startswith(sys.argv[2] + "/bin/flowhub"), (s, cmd)
    assert c.get(s, "autorestart") in ("true", "unexpected"), s
    assert c.get(s, "stopsignal") == "TERM", s
print("programs:", ", ".join(p.split(":", 1)[1] for p in progs))
EOF
then
	ok "supervisord group parses and runs the installed programs"
else
	fail "supervisord group"
fi

# ---- systemd units ----------------------------------------------------------
unitdir=$(find "$root" -type d -path '*/systemd/system' | head -n 1)
if [ -z "$unitdir" ]; then
	fail "systemd units not installed"
elif ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "systemd-analyze missing: units not verified"
else
	mkdir -p "$d/units"
	for u in flowhub.service flowhub-edge@.service; do
		[ -f "$unitdir/$u" ] || { fail "$u not installed"; continue; }
		inst=$u
		[ "$u" = flowhub-edge@.service ] && inst=flowhub-edge@5000.service
		sed "s|^ExecStart=$prefix/|ExecStart=$P/|" "$unitdir/$u" \
			>"$d/units/$inst"
		if out=$(systemd-analyze verify --man=no "$d/units/$inst" 2>&1); then
			ok "$inst verifies"
		else
			fail "$inst: $out"
		fi
		for k in Restart=always NoNewPrivileges=yes ProtectSystem=strict \
			CapabilityBoundingSet=; do
			grep -qx "$k" "$d/units/$inst" || fail "$inst lacks $k"
		done
		# The ring in /dev/shm must outlive a stopped unit.
		if grep -q '^RemoveIPC=yes' "$d/units/$inst"; then
			fail "$inst sets RemoveIPC=yes"
		fi
		# Exposure score (0 best, 10 worst): a floor against losing
		# hardening by accident.
		if systemd-analyze security --offline=yes --threshold=40 \
			"$d/units/$inst" >"$d/sec.log" 2>&1; then
			ok "$inst: $(grep -o 'Overall exposure level.*' "$d/sec.log")"
		else
			fail "$inst: $(grep -o 'Overall exposure level.*' "$d/sec.log")"
		fi
	done
	nofile=$(sed -n 's/^LimitNOFILE=//p' "$d/units/flowhub-edge@5000.service")
	# The documented default of --max-clients, from the installed page.
	maxc=$(sed -n '/max-clients/,/default/s/.*(default \([0-9][0-9]*\)).*/\1/p' \
		"$P/share/man/man8/flowhub-edge.8" | head -n 1)
	if [ -n "$nofile" ] && [ -n "$maxc" ] && [ "$nofile" -gt "$maxc" ]; then
		ok "LimitNOFILE=$nofile is above --max-clients $maxc"
	else
		fail "LimitNOFILE=$nofile against --max-clients ${maxc:-?}"
	fi
fi

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
