# The one entry point: `make run` serves the API, `make test` runs the suite.
# Both create .venv and, when DATABASE_URL is unset, use an embedded PostgreSQL.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIND ?= 127.0.0.1:8000
# Development defaults (a dev SECRET_KEY and a generated JWT key pair under .data/);
# production sets DEBUG=0 with real keys (see .env.example).
export DEBUG ?= 1
WITH_DB := $(PY) -m blogapi.embedded_postgres
# Threads, not only processes: an idle or half-sent connection (a browser's preconnect, a slow
# client) holds a sync worker until it times out; 8 threads per worker keep serving beside
# them (bench/slow_clients.py). Each thread has its own database connection.
GUNICORN_THREADS := --worker-class gthread --threads 8

.PHONY: install run worker dev test test-fast lint fmt check bench profile fuzz clean browser nginx slow-clients env

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: install ## migrate, seed demo data on first run, serve with gunicorn on $(BIND) and run one job worker
	@$(WITH_DB) -- sh -c '$(PY) manage.py migrate --no-input && $(PY) manage.py seed --if-empty && \
		echo "blogapi: API http://$(BIND)/api/posts | docs http://$(BIND)/api/docs/ | admin http://$(BIND)/admin/ | demo logins: alice@example.com, bob@example.com, mod@example.com, admin@example.com (password demo-Passw0rd!)" && \
		{ $(PY) manage.py procrastinate worker & WORKER=$$!; trap "kill $$WORKER 2>/dev/null" EXIT INT TERM; \
		$(VENV)/bin/gunicorn blogapi.wsgi --bind $(BIND) --workers $${WEB_CONCURRENCY:-2} $(GUNICORN_THREADS) --no-control-socket; }'

worker: install ## one more background job worker, in the foreground (DATABASE_URL: the same database as the server)
	$(WITH_DB) -- $(PY) manage.py procrastinate worker

dev: install ## the same with Django's autoreloading runserver
	$(WITH_DB) -- sh -c '$(PY) manage.py migrate --no-input && $(PY) manage.py seed --if-empty && \
		exec $(PY) manage.py runserver $(BIND)'

test: install ## the whole suite, on a throw-away embedded PostgreSQL unless DATABASE_URL is set
	$(WITH_DB) --throwaway -- $(PY) -m pytest $(PYTEST_ARGS)

test-fast: install ## the suite without the schemathesis runs (the slowest tests); make test and CI run them
	$(WITH_DB) --throwaway -- $(PY) -m pytest -m "not schemathesis" $(PYTEST_ARGS)

check: install ## Django's system checks and missing migrations
	$(WITH_DB) --throwaway -- sh -c '$(PY) manage.py check && $(PY) manage.py makemigrations --check --dry-run && \
		$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null'

browser: ## Debian's Chromium for the browser tests (Playwright drives it; it downloads no browser)
	@command -v chromium >/dev/null || { \
		test "$$(id -u)" = 0 || { echo "make browser: run as root, or install Debian's chromium package"; exit 1; }; \
		apt-get install -y --no-install-recommends chromium || { apt-get update && apt-get install -y --no-install-recommends chromium; }; }
	@chromium --version 2>/dev/null

nginx: ## Debian's nginx for the topology test (nginx in front of two API nodes, as in docker-compose.yml)
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { \
		test "$$(id -u)" = 0 || { echo "make nginx: run as root, or install Debian's nginx-light package"; exit 1; }; \
		apt-get install -y --no-install-recommends nginx-light || { apt-get update && apt-get install -y --no-install-recommends nginx-light; }; }
	@PATH="$$PATH:/usr/sbin" nginx -v

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install ## prints the benchmark figures
	$(WITH_DB) --throwaway -- $(PY) bench/bench.py $(BENCH_ARGS)

slow-clients: install ## sync vs gthread workers with 50 slow clients and no proxy in front (prints the figures)
	$(WITH_DB) --throwaway -- $(PY) bench/slow_clients.py $(SLOW_CLIENTS_ARGS)

profile: install ## where a list, a detail and a create request spend their time (cProfile, top functions)
	$(WITH_DB) --throwaway -- $(PY) bench/profiling.py $(PROFILE_ARGS)

env: install ## writes .env for docker compose with a fresh SECRET_KEY, JWT key pair and database passwords (never over an existing .env)
	@test ! -e .env || { echo "make env: .env exists already; move it away to write a new one"; exit 1; }
	@umask 077 && $(PY) deploy/new_env.py > .env.tmp && mv .env.tmp .env && echo "make env: wrote .env (keep it private)"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .schemathesis staticfiles

fuzz: install ## a longer schemathesis run against a live server
	FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-200} FUZZ_MAX_TIME=$${FUZZ_MAX_TIME:-600} FUZZ_SEED=$${FUZZ_SEED:-$$RANDOM} \
		$(WITH_DB) --throwaway -- $(PY) -m pytest -q blogapi/tests/test_fuzz.py
