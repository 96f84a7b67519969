#!/usr/bin/env bash
# Check that the API docs render with no network access beyond the server itself.
#
#   bench/docs_offline.sh [BASE_URL] [SCREENSHOT_DIR]
#       BASE_URL        a running server (default http://127.0.0.1:8000, as `make run` serves)
#       SCREENSHOT_DIR  where docs.png and redoc.png are written (default /tmp)
#
# /api/docs/ (Swagger UI) and /api/redoc/ are opened in headless Chromium whose every other
# host is unreachable: names resolve to nothing but the server's host, and anything that
# would still go out is sent to a dead proxy. For each page the check fails when
#   - the rendered DOM lacks the operations ("/api/posts", "login"): the JavaScript did not
#     load or did not render the schema;
#   - the page requested a URL on another host (listed: with no network it failed);
#   - a request of the page to the server failed or answered >= 400 (except /favicon.ico,
#     which the browser asks for on its own).
# Chromium's own background requests (update checks, Google account probes) carry no page
# initiator and are ignored. Needs Debian's `chromium` (or CHROMIUM=/path/to/chrome) and python3.
# Exit status: 0 all good, 1 a check failed, 2 chromium/python3 missing or bad arguments.
set -euo pipefail

BASE_URL=${1:-http://127.0.0.1:8000}
OUT_DIR=${2:-/tmp}
BASE_URL=${BASE_URL%/}
BUDGET_MS=${DOCS_OFFLINE_BUDGET_MS:-10000} # virtual time given to each page to render

die() {
    echo "docs_offline: $*" >&2
    exit 2
}

CHROMIUM=${CHROMIUM:-}
if [[ -z $CHROMIUM ]]; then
    for candidate in chromium chromium-browser; do
        if command -v "$candidate" >/dev/null 2>&1; then
            CHROMIUM=$candidate
            break
        fi
    done
fi
[[ -n $CHROMIUM ]] && command -v "$CHROMIUM" >/dev/null 2>&1 ||
    die "chromium not found: install it with 'apt-get install chromium' (Debian), or set CHROMIUM=/path/to/chrome"
command -v python3 >/dev/null 2>&1 || die "python3 is needed to read Chromium's network log"

[[ $BASE_URL =~ ^https?://(\[[^]]+\]|[^/:]+)(:[0-9]+)?$ ]] ||
    die "BASE_URL must look like http://host[:port] (got '$BASE_URL')"
HOST=${BASH_REMATCH[1]}
mkdir -p "$OUT_DIR" || die "cannot create $OUT_DIR"

if ! python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10)' \
    "$BASE_URL/api/schema" 2>/dev/null; then
    echo "docs_offline: $BASE_URL/api/schema does not answer 200; is the server running?" >&2
    exit 1
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Reads a net log (--log-net-log) and prints "OK ..." / "FAIL ..." lines; exits 1 on any FAIL.
NETLOG_CHECK=$(
    cat <<'PY'
import json, sys
from urllib.parse import urlsplit

path, page_url = sys.argv[1], sys.argv[2]
origin = "{0.scheme}://{0.netloc}".format(urlsplit(page_url))
text = open(path, encoding="utf-8").read()
try:
    log = json.loads(text)
except ValueError:  # cut short: close the events list
    log = json.loads(text.rstrip().rstrip(",") + "]}")
names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
requests = {}  # source id -> {"urls": [...], "initiator": str, "status": str, "error": int}
for event in log["events"]:
    name, params, source = names.get(event["type"]), event.get("params") or {}, event["source"]["id"]
    if name == "URL_REQUEST_START_JOB" and "url" in params:  # once per job, again on each redirect
        req = requests.setdefault(source, {"urls": [], "initiator": params.get("initiator"), "status": "", "error": 0})
        req["urls"].append(params.get("url", ""))
    elif source in requests:
        if name == "HTTP_TRANSACTION_READ_RESPONSE_HEADERS" and params.get("headers"):
            requests[source]["status"] = params["headers"][0]
        elif name == "REQUEST_ALIVE" and params.get("net_error"):
            requests[source]["error"] = params["net_error"]

failed = False
ignored = 0
for req in requests.values():
    from_page = req["urls"][0] == page_url or (req["initiator"] or "").startswith(("http://", "https://"))
    if not from_page:
        ignored += 1  # Chromium's own background traffic, not the page's
        continue
    for url in req["urls"]:
        if "{0.scheme}://{0.netloc}".format(urlsplit(url)) != origin:
            outcome = f"failed, net error {req['error']}" if req["error"] else f"answered {req['status'] or '?'}"
            print(f"FAIL  external request {url} ({outcome})")
            failed = True
    url, status = req["urls"][-1], req["status"]
    code = int(status.split()[1]) if len(status.split()) > 1 else 0
    if url.startswith(origin + "/"):
        if req["error"] or code >= 400:
            why = f"net error {req['error']}" if req["error"] else status
            if urlsplit(url).path == "/favicon.ico":
                print(f"note  {url}: {why} (the browser's automatic favicon request)")
            else:
                print(f"FAIL  {url}: {why}")
                failed = True
        else:
            print(f"ok    {url}: {status}")
print(f"({ignored} background requests of Chromium itself ignored)")
sys.exit(1 if failed else 0)
PY
)

status=0
for page in docs redoc; do
    url="$BASE_URL/api/$page/"
    shot="$OUT_DIR/$page.png"
    rm -f "$shot"
    echo "== $url"
    rc=0
    timeout 120 "$CHROMIUM" \
        --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$WORK/profile-$page" \
        --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE $HOST" \
        --proxy-server="http://127.0.0.1:9" --proxy-bypass-list="$HOST" \
        --log-net-log="$WORK/net-$page.json" \
        --virtual-time-budget="$BUDGET_MS" --window-size=1280,900 \
        --screenshot="$shot" --dump-dom "$url" \
        >"$WORK/$page.html" 2>"$WORK/$page.err" || rc=$?
    if ((rc != 0)); then
        echo "FAIL  chromium exited with status $rc; its last messages:" >&2
        grep -v dbus "$WORK/$page.err" | tail -5 >&2 || true
        status=1
        continue
    fi
    missing=()
    for text in "/api/posts" "login"; do
        grep -qF "$text" "$WORK/$page.html" || missing+=("$text")
    done
    if ((${#missing[@]})); then
        echo "FAIL  $url did not render: the DOM lacks$(printf ' "%s"' "${missing[@]}") (its JavaScript or the schema did not load)"
        status=1
    else
        echo "ok    rendered: the DOM lists the operations (/api/posts, login)"
    fi
    [[ -s $shot ]] && echo "      screenshot: $shot" || echo "      (no screenshot written)"
    python3 -c "$NETLOG_CHECK" "$WORK/net-$page.json" "$url" || status=1
done

if ((status == 0)); then
    echo "docs_offline: both pages render with no request outside $HOST"
else
    echo "docs_offline: FAILED (see FAIL lines above)" >&2
fi
exit $status
