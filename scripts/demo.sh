#!/bin/sh
# The README's first command (`npm run demo`): set-up, then the whole stack with a simulated fleet.
set -eu
cd "$(dirname "$0")/.."
sh scripts/bootstrap.sh
# `node --import tsx`, not the tsx CLI: the CLI relays Ctrl-C to a child node process and SIGKILLs it when the child
# does not confirm within 30 ms — on a busy machine that killed the demo midway through its shutdown, leaving
# Mosquitto and InfluxDB running. Here the demo itself receives the signal and stops everything.
exec node --import tsx scripts/demo.ts "$@"
