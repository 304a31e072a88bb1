#!/bin/sh
# One-time, idempotent set-up shared by `npm run demo` and `npm test`:
# Debian services (redis-server, mosquitto, influxdb, chromium for browser tests), npm dependencies, web console.
# Plain POSIX shell on purpose: it must run before node_modules exists.
set -eu
cd "$(dirname "$0")/.."

need=""
command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need="$need mosquitto"
command -v mosquitto_passwd >/dev/null 2>&1 || need="$need mosquitto-clients"
command -v influxd >/dev/null 2>&1 || need="$need influxdb"
[ -x /usr/bin/chromium ] || need="$need chromium" # browser tests of the web console (playwright-core)
if [ -n "$need" ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "bootstrap: installing Debian packages:$need"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $need >/dev/null
  else
    echo "bootstrap: missing Debian packages:$need" >&2
    echo "bootstrap: run: sudo apt-get install -y$need" >&2
    exit 1
  fi
fi

# npm dependencies: (re)install when node_modules is missing or older than the lockfile.
stamp=node_modules/.bootstrap-stamp
lockhash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lockhash" ]; then
  echo "bootstrap: installing npm dependencies"
  # npm 11 on Node 20 leaves the other platforms' optional packages (rollup, esbuild, msgpackr) out of the
  # lockfile and then refuses `npm ci` for it; `npm install` installs the same locked versions.
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
  sha256sum package-lock.json | cut -d' ' -f1 > "$stamp"
fi

# Web console (console/ → console/dist, served by the API at /console): rebuild when its sources or the
# lockfile changed.
consolehash=$(find console -path console/dist -prune -o -type f -print | LC_ALL=C sort | xargs cat package-lock.json | sha256sum | cut -d' ' -f1)
consolestamp=console/dist/.build-stamp
if [ ! -f "$consolestamp" ] || [ "$(cat "$consolestamp")" != "$consolehash" ]; then
  echo "bootstrap: building the web console"
  npm run --silent build:console >/dev/null
  echo "$consolehash" > "$consolestamp"
fi
