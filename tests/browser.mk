# Browser tests: the JavaScript client's logic under `node --test`, and the
# dashboard page in Debian's chromium (playwright-core, installed into
# tests/browser/node_modules by tools/deps browser) against real daemons.
TESTS += \
	%reldir%/browser/client_unit.sh \
	%reldir%/browser/types.sh \
	%reldir%/browser/dashboard.sh
EXTRA_DIST += \
	%reldir%/browser/client_unit.sh \
	%reldir%/browser/types.sh \
	%reldir%/browser/dashboard.sh \
	%reldir%/browser/client.test.mjs \
	%reldir%/browser/types.check.ts \
	%reldir%/browser/dashboard.test.mjs \
	%reldir%/browser/state_probe.py \
	%reldir%/browser/bench_client.mjs \
	%reldir%/browser/bench_page.mjs \
	%reldir%/browser/package.json \
	%reldir%/browser/package-lock.json
