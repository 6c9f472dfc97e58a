# Two commands from a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements.stamp

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/argmap
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test test-faults lint format venv worker bench bench-tools clean vendor screenshots

venv: $(STAMP)

# The development set: the runtime pins (requirements.txt, all the image gets)
# plus tests, lint and pip-tools, compiled from requirements*.in (see there).
$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# Serve the app with the seeded alignment map at http://127.0.0.1:8000
# (another address or port: ARGMAP_ADDR=127.0.0.1:8001 make run).
# No DATABASE_URL: embedded SQLite, tasks in-process. With DATABASE_URL and
# REDIS_URL: PostgreSQL, Redis and a real Celery worker (with beat) alongside.
run: venv
	DEBUG=$${DEBUG:-1} bash scripts/run.sh

# The README's screenshots (docs/screenshots/<page>-<width>.png) of a fresh
# seeded server that runs, as `make run` does, on a free port until they are taken.
screenshots: venv
	bash scripts/screenshots.sh $(SCREENSHOT_ARGS)

# The whole suite against the real PostgreSQL and Redis, plus ruff.
test: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	$(PY) -m pytest -m "not faults" $(PYTEST_ARGS)

# Fault tests stop and restart the real PostgreSQL and Redis (root needed);
# each restores what it stopped. .ci/run runs them after `make test`.
test-faults: venv
	DEBUG=1 DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	$(PY) -m pytest -m faults tests/faults $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# wrk (load generator) and chromium (graph view) come from Debian's packages.
bench-tools:
	@command -v wrk >/dev/null && command -v chromium >/dev/null || \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk chromium >/dev/null)

bench: venv bench-tools
	$(PY) bench/ranking.py --sizes 1000,10000,100000
	@# Against PostgreSQL and Redis (argmap_bench*, redis dbs 10-12; see bench/common.py).
	@# Larger: BENCH_NODES=200000 BENCH_REPEAT=3 make bench (docs/BENCHMARKS.md used 3-5).
	$(PY) bench/import_export.py --nodes $${BENCH_NODES:-100000} --repeat $${BENCH_REPEAT:-1}
	$(PY) bench/worker_ranking.py --nodes $${BENCH_NODES:-100000} --repeat $${BENCH_REPEAT:-2} \
		--worker-runs 1
	$(PY) bench/edit_to_fresh.py --nodes $${BENCH_EDIT_NODES:-10000} --edits 100
	$(PY) bench/api_throughput.py --seconds 5 --rounds 3
	$(PY) bench/graph_view.py --nodes $${BENCH_EDIT_NODES:-10000} --repeat 5
	$(PY) bench/list_endpoints.py --nodes $${BENCH_NODES:-100000} --repeat 5
	$(PY) bench/rank_file.py --nodes $${BENCH_NODES:-100000} --repeat 3

clean:
	rm -rf $(VENV) var

# Re-vendor the browser assets from the npm registry (exact versions in
# frontend/package-lock.json); the copies under static/vendor/ are committed.
vendor:
	cd frontend && npm ci --no-audit --no-fund
	cp frontend/node_modules/htmx.org/dist/htmx.min.js \
	   frontend/node_modules/cytoscape/dist/cytoscape.min.js \
	   frontend/node_modules/cytoscape-dagre/dist/cytoscape-dagre.min.js static/vendor/
