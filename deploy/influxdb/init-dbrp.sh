#!/bin/sh
# Runs once when the InfluxDB 2.x container is initialised: maps the `telemetry` bucket to the InfluxQL
# database `telemetry` (retention policy autogen) so that the v1-compatible /query endpoint answers InfluxQL.
set -eu
bucket_id=$(influx bucket list --name "${DOCKER_INFLUXDB_INIT_BUCKET}" --hide-headers | cut -f1)
influx v1 dbrp create --bucket-id "$bucket_id" --db "${DOCKER_INFLUXDB_INIT_BUCKET}" --rp autogen --default
