"""The bench's floor: a bare WSGI app answering a small JSON body, served by the same gunicorn
settings as the API (bench/bench.py). Every API figure is also given as a share of its req/s."""

BODY = b'{"status":"success","message":"Hello World"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
