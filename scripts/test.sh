#!/bin/sh
# The README's second command (`npm test`): set-up, then the whole suite against real services.
set -eu
cd "$(dirname "$0")/.."
sh scripts/bootstrap.sh
exec node_modules/.bin/vitest run "$@"
