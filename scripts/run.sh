#!/usr/bin/env bash
# Used by `make run`: migrate, seed the alignment map if absent, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var
$PY manage.py migrate --noinput
$PY manage.py import_map fixtures/alignment.argmap.json --if-absent
if [[ -n "${REDIS_URL:-}" ]]; then
  # A real worker (with the beat sweep embedded) for as long as the server runs.
  .venv/bin/celery -A argmap worker --beat --loglevel=INFO --concurrency=2 \
    --schedule=var/celerybeat-schedule &
  worker=$!
  trap 'kill $worker 2>/dev/null || true' EXIT
fi
$PY manage.py runserver "${ARGMAP_ADDR:-127.0.0.1:8000}"
