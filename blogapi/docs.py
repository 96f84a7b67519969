"""The ReDoc bundle, served without its one reference to another host (API.md, Documentation).

drf-spectacular-sidecar's ``redoc.standalone.js`` shows a footer logo loaded from
cdn.redoc.ly. Served here with that URL replaced by an empty ``data:`` image, the page makes
no request elsewhere, and the bundle's own ``onError`` hides the empty image. (Settings:
``REDOC_DIST`` points drf-spectacular at ``/api/redoc/bundles/redoc.standalone.js``.)
"""

from functools import cache
from pathlib import Path

import drf_spectacular_sidecar
from django.http import HttpResponse
from django.views.decorators.http import require_safe

BUNDLE = (
    Path(drf_spectacular_sidecar.__file__).parent / "static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
)
EXTERNAL_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
NO_IMAGE = "data:,"


@cache
def local_bundle() -> bytes:
    return BUNDLE.read_text(encoding="utf-8").replace(EXTERNAL_LOGO, NO_IMAGE).encode()


@require_safe
def redoc_bundle(request):
    response = HttpResponse(local_bundle(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
