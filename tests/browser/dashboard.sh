#!/bin/sh
# The dashboard in Debian's chromium against a real hub, edge and
# flowhub-emit --demo (dashboard.test.mjs does the work).  Skips (77) when
# chromium, node or playwright-core is missing: tools/deps browser
# installs them.  Every process the test starts is listed in $FH_TMP/pids
# and killed here by PID whatever happens to the test.
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
here=$srcdir/tests/browser

[ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium not found: skipped"; exit 77; }
command -v node >/dev/null 2>&1 || { echo "node not found: skipped"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "/usr/bin/python3 not found: skipped"; exit 77; }
if [ ! -f "$here/node_modules/playwright-core/index.mjs" ]; then
	echo "playwright-core not installed in $here (run tools/deps browser): skipped"
	exit 77
fi
for b in hub/flowhub edge/flowhub-edge emit/flowhub-emit; do
	[ -x "$builddir/$b" ] || [ -x "$builddir/${b#*/}" ] ||
		{ echo "${b#*/} not built: skipped"; exit 77; }
done

FH_TMP=$(mktemp -d /tmp/fhbrowser.XXXXXX) || exit 99
export FH_TMP top_srcdir=$srcdir top_builddir=$builddir
cleanup() {
	if [ -f "$FH_TMP/pids" ]; then
		while read -r pid; do
			# only what is still one of ours (PIDs get reused)
			case $(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline") in
			*flowhub*) kill -KILL "$pid" 2>/dev/null ;;
			esac
		done < "$FH_TMP/pids"
	fi
	# FH_KEEP=1 keeps the logs of the daemons for a look afterwards
	[ -n "${FH_KEEP:-}" ] && echo "kept $FH_TMP" || rm -rf "$FH_TMP"
}
trap cleanup EXIT
trap 'exit 99' INT TERM HUP

node "$here/dashboard.test.mjs"
