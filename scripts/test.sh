#!/bin/sh
# The README's second command (`npm test`): set-up, then the whole suite against real services.
set -eu
cd "$(dirname "$0")/.."
sh scripts/bootstrap.sh
# The type check first: process entry points that no test imports are only checked here.
node_modules/.bin/tsc --noEmit -p .
exec node_modules/.bin/vitest run "$@"
