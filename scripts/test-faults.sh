#!/bin/sh
# `npm run test:faults`: the long form of the fault and hostile-input suite (docs/reliability.md). The short form of the same tests runs
# in `npm test`. Long form: 10× the traffic, InfluxDB stalled for 10 minutes (twice: in the fault suite
# and in the ingest test), the full 500-breakdown storm with a dispatcher kill -9. Takes about 30 minutes.
set -eu
cd "$(dirname "$0")/.."
sh scripts/bootstrap.sh
export FAULT_SCALE="${FAULT_SCALE:-10}"
export FAULT_INFLUX_STALL_S="${FAULT_INFLUX_STALL_S:-600}"
export INGEST_INFLUX_STALL_S="${INGEST_INFLUX_STALL_S:-600}"
export DISPATCH_STORM="${DISPATCH_STORM:-500}"
exec node_modules/.bin/vitest run --testTimeout=2400000 --hookTimeout=600000 \
  test/faults test/ingest/ingest-stream.test.ts test/ingest/influx-stall.test.ts test/ingest/hostile-payloads.test.ts \
  test/dispatcher/storm.test.ts test/dispatcher/restart.test.ts "$@"
