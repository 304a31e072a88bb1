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
  # `npm ci` only: it installs exactly the committed lockfile and never rewrites it. A lockfile it refuses is a
  # defect of the commit (regenerate it with `rm -rf node_modules && npm install` so that every platform's
  # optional packages are listed), not something to paper over here.
  if ! npm ci --no-audit --no-fund --loglevel=error >.npm-ci.log 2>&1; then
    echo "bootstrap: npm ci refused package-lock.json ($(grep -m1 -E 'npm error (Missing|Invalid|code)' .npm-ci.log | sed 's/npm error //'); full log in .npm-ci.log)" >&2
    exit 1
  fi
  rm -f .npm-ci.log
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
