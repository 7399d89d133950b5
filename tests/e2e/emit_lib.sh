# Shared setup for the flowhub-emit end-to-end scripts (sourced).
# A unique ring name and scratch directory per run, removed on exit;
# background processes are stopped by PID.
: "${top_builddir:?run through make check}"
emit=$top_builddir/emit/flowhub-emit
ringcat=$top_builddir/tests/tools/ringcat
py=/usr/bin/python3
for p in "$emit" "$ringcat"; do
	[ -x "$p" ] || { echo "missing $p (build first)" >&2; exit 99; }
done
[ -x "$py" ] || { echo "no $py" >&2; exit 77; }
ring=/fhtest-emit-$$-${RANDOM}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fhemit.XXXXXX")
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	"$ringcat" -u "$ring" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 99' INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
