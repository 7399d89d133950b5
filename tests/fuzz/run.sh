#!/usr/bin/env bash
# Run every libFuzzer target of a fuzz build for a fixed time each.
#   tests/fuzz/run.sh BUILDDIR [SECONDS] [TARGET...]
# BUILDDIR was configured with --enable-fuzz CC=clang.  Each target starts
# from its committed corpus (tests/fuzz/corpus/NAME, read only) and writes
# what it discovers to BUILDDIR/fuzz-work/NAME; a crash, leak, timeout or
# out-of-memory input lands in BUILDDIR/fuzz-artifacts/ and fails the run.
# Copy such an input into the corpus once the bug is fixed: it then
# becomes a regression test replayed by `make check`.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILDDIR [SECONDS] [TARGET...]}" && pwd)
secs=${2:-20}
shift $(( $# >= 2 ? 2 : 1 ))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in "$top"/tests/fuzz/fuzz_*.c; do
		n=${f##*/fuzz_}; targets+=("${n%.c}")
	done
fi
make -C "$build" -j2 fuzz >"$build/fuzz-make.out" 2>&1 || {
	tail -30 "$build/fuzz-make.out" >&2; exit 1; }
mkdir -p "$build/fuzz-artifacts"
rc=0
for t in "${targets[@]}"; do
	bin=$build/tests/fuzz/fuzz_$t
	[ -x "$bin" ] || { echo "fuzz $t: not built (module absent?)" >&2; continue; }
	work=$build/fuzz-work/$t
	mkdir -p "$work"
	args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
	      -malloc_limit_mb=512 -print_final_stats=1
	      -artifact_prefix="$build/fuzz-artifacts/$t-")
	[ -f "$top/tests/fuzz/$t.dict" ] && args+=(-dict="$top/tests/fuzz/$t.dict")
	log=$build/fuzz-work/$t.log
	if "$bin" "${args[@]}" "$work" "$top/tests/fuzz/corpus/$t" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1)
		echo "fuzz $t: ${secs}s, ${execs:-?} executions, ${cov:-cov: ?}, ok"
	else
		echo "fuzz $t: FAILED (log $log)" >&2
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -10 >&2
		rc=1
	fi
done
exit $rc
