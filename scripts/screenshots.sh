#!/usr/bin/env bash
# Used by `make screenshots`: serve argmap as `make run` does (scripts/run.sh: a
# server, and with REDIS_URL its worker) on a free loopback port, with a fresh
# seeded SQLite database of its own unless DATABASE_URL is set; take the
# README's screenshots (scripts/screenshots.py, arguments passed on); stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d -t argmap-screenshots.XXXXXX)
# setsid: the server, its reloader and its worker in one process group, stopped together.
DEBUG="${DEBUG:-1}" ARGMAP_ADDR="127.0.0.1:$port" ARGMAP_DATA_DIR="$data" \
  setsid bash scripts/run.sh >"$data/run.log" 2>&1 &
server=$!
stop() {
  kill -TERM -- "-$server" 2>/dev/null || true
  # The worker's warm shutdown outlives the server by a moment: wait for the group.
  for _ in $(seq 1 100); do
    kill -0 -- "-$server" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL -- "-$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap stop EXIT
if ! $PY scripts/screenshots.py "http://127.0.0.1:$port" --wait 120 "$@"; then
  echo "screenshots: the server's log:" >&2
  tail -n 40 "$data/run.log" >&2
  exit 1
fi
