#!/bin/sh
# flowhub-client.d.ts: compiles strictly, accepts the protocol's message
# shapes and rejects wrong ones (types.check.ts), and the dashboard's own
# app.js type-checks against it.  Skips (77) without node or typescript.
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
here=$srcdir/tests/browser
tsc=$here/node_modules/typescript/bin/tsc
command -v node >/dev/null 2>&1 || { echo "node not found: skipped"; exit 77; }
[ -f "$tsc" ] || { echo "typescript not installed in $here (run tools/deps browser): skipped"; exit 77; }
common="--noEmit --target es2022 --module es2022 --moduleResolution bundler --lib es2022,dom,dom.iterable --skipLibCheck false"
set -e
# shellcheck disable=SC2086
node "$tsc" $common --strict "$here/types.check.ts"
echo "ok 1 - flowhub-client.d.ts and the protocol messages"
# shellcheck disable=SC2086
node "$tsc" $common --allowJs --checkJs "$srcdir/edge/www/app.js"
echo "ok 2 - app.js against flowhub-client.d.ts"
echo "types: 2 passed, 0 failed"
