#!/bin/sh
# libshmring must export exactly its public API: every shmring_* function
# of shmring.h and shmring_event.h and nothing else (no internal functions, no
# shmring__ names, nothing from the libraries it uses).
set -u
lib=${top_builddir:-.}/shmring/.libs/libshmring.so
[ -f "$lib" ] || { echo "no $lib (static-only build?)"; exit 77; }
command -v nm >/dev/null 2>&1 || { echo "nm not found"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/want" <<'LIST'
shmring_abort
shmring_claim
shmring_close
shmring_commit
shmring_consumer_attach
shmring_heartbeat
shmring_note_dropped
shmring_open
shmring_read
shmring_release
shmring_seek
shmring_set_retry_full
shmring_stats
shmring_strerror
shmring_unlink
shmring_wait
shmring_write
LIST
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' |
	sed 's/@.*//' | sort >"$tmp/have" || exit 99
# The typed event calls may add functions, but only ones their header declares.
src=${top_srcdir:-.}
if [ -f "$src/shmring/shmring_event.h" ]; then
	grep -o 'shmring_[a-z0-9_]*[[:space:]]*(' "$src/shmring/shmring_event.h" |
		sed 's/[[:space:]]*(//' >>"$tmp/want"
fi
sort -u -o "$tmp/want" "$tmp/want"
grep -v -x -F -f "$tmp/want" "$tmp/have" >"$tmp/foreign"
grep -v -x -F -f "$tmp/have" "$tmp/want" >"$tmp/missing"
if [ -s "$tmp/foreign" ] || [ -s "$tmp/missing" ]; then
	echo "unexpected exports:"; cat "$tmp/foreign"
	echo "missing exports:"; cat "$tmp/missing"
	exit 1
fi
echo "exports ok: $(wc -l <"$tmp/have") symbols"
