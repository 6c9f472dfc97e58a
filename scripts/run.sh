#!/usr/bin/env bash
# Used by `make run`: migrate, seed the alignment map if absent, serve.
#
# Without DATABASE_URL: Django's development server on the embedded SQLite file.
# With DATABASE_URL: gunicorn, as in the image. The development server handles
# each request in a new thread, and each thread keeps its own persistent
# connection (DB_CONN_MAX_AGE) that nothing reuses: a burst of requests left
# dozens of idle connections until PostgreSQL refused new clients. gunicorn's
# workers reuse their one connection each.
#
# ARGMAP_ADDR (default 127.0.0.1:8000) is the address and port served, e.g.
# `ARGMAP_ADDR=127.0.0.1:8001 make run`; ARGMAP_DATA_DIR (default var) holds the
# SQLite file and the beat schedule.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
ADDR="${ARGMAP_ADDR:-127.0.0.1:8000}"
DATA="${ARGMAP_DATA_DIR:-var}"  # the settings' data directory
mkdir -p "$DATA"
$PY manage.py migrate --noinput
# The seeded map is open (anyone signed in adds to it) and owned by ARGMAP_OWNER
# (default steward: an account without a usable password until you set one, see
# the README); a map seeded earlier without an owner gets this one.
$PY manage.py import_map fixtures/alignment.argmap.json --if-absent \
  --owner "${ARGMAP_OWNER:-steward}" --contribution open
if [[ -n "${REDIS_URL:-}" ]]; then
  # Real workers for as long as the server runs: one for the ranking queue (with the
  # beat sweep embedded) and one for the background queue (schools of thought,
  # duplicates), so that an edit's ranking never waits behind a background job.
  .venv/bin/celery -A argmap worker --beat --loglevel=INFO --concurrency=2 \
    -Q celery -n "ranking-$$@%h" --schedule="$DATA/celerybeat-schedule" &
  worker=$!
  .venv/bin/celery -A argmap worker --loglevel=INFO --concurrency=1 \
    -Q background -n "background-$$@%h" &
  background=$!
  trap 'kill $worker $background 2>/dev/null || true' EXIT
fi
if [[ -z "${DATABASE_URL:-}" ]]; then
  # `make run` is the development server on purpose: no banner saying so.
  export DJANGO_RUNSERVER_HIDE_WARNING=true
  server=($PY manage.py runserver "$ADDR")
else
  # --reload restarts the workers when a source file changes, as runserver does;
  # the long timeout lets a large import through the HTML form finish.
  server=(.venv/bin/gunicorn --workers "${ARGMAP_WEB_WORKERS:-2}" --bind "$ADDR"
    --reload --timeout 300 --access-logfile - argmap.wsgi:application)
fi
echo "argmap: serving http://$ADDR/ (admin at http://$ADDR/admin/; ARGMAP_ADDR changes the address)"
# Not exec'd: the EXIT trap above stops the worker when the server stops.
"${server[@]}"
