#!/bin/sh
# The README's first command (`npm run demo`): set-up, then the whole stack with a simulated fleet.
set -eu
cd "$(dirname "$0")/.."
sh scripts/bootstrap.sh
exec node_modules/.bin/tsx scripts/demo.ts "$@"
