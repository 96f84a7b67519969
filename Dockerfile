# The API served by gunicorn. Run it with docker compose (see README.md, Docker):
# it needs PostgreSQL, and SECRET_KEY, JWT_PRIVATE_KEY and JWT_PUBLIC_KEY in the environment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# collectstatic loads the settings, which refuse to start without a SECRET_KEY and JWT
# keys unless DEBUG is on. DEBUG=1 stands in for them for this one command; the JWT key
# pair it generates under .data/ is deleted in the same layer, so no key is baked into
# the image. The placeholder DATABASE_URL keeps the settings from starting the embedded
# PostgreSQL; collectstatic never connects to it.
RUN DEBUG=1 DATABASE_URL=postgres://build@127.0.0.1:5432/build \
        python manage.py collectstatic --no-input \
    && rm -rf .data

# The code stays owned by root: the server only reads it.
RUN useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin blogapi
USER blogapi

EXPOSE 8000

# slim has no curl. urlopen raises on anything but 2xx, e.g. 503 when the database is down.
# The request goes to 127.0.0.1, which must stay in ALLOWED_HOSTS.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/healthchecker', timeout=4)"]

# Apply migrations, then run the command (gunicorn, or e.g. `manage.py createsuperuser`
# with `docker compose run`). With several API nodes, apply migrations once before
# starting them (`docker compose run --rm api1 true`) so that they do not race; docker-compose.yml
# starts api2 after api1 is healthy for the same reason.
ENTRYPOINT ["/bin/sh", "-c", "python manage.py migrate --no-input && exec \"$@\"", "--"]
# Threaded workers (8 threads each): an idle or half-sent connection does not hold a whole
# worker (bench/slow_clients.py); behind nginx (docker-compose.yml) slow clients never get here.
CMD ["/bin/sh", "-c", "exec gunicorn blogapi.wsgi --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-2} --worker-class gthread --threads 8 --no-control-socket"]
