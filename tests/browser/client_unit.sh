#!/bin/sh
# The client's pure logic (action history, seq de-duplication, resume,
# backoff bounds, keepalive) under Node's own test runner.
command -v node >/dev/null 2>&1 || { echo "node not found: skipped"; exit 77; }
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
exec node --test "$srcdir/tests/browser/client.test.mjs"
