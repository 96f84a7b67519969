"""API.md, Envelope and errors: every error is JSON in the contract's envelope."""

import pytest
from django.db import connection
from django.test import override_settings

from posts.models import Post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/nope", "/api/nope/", "/api/posts/a/b/c", "/static/missing.css"])
def test_unknown_path_is_json_404_in_every_mode(client_of, settings, debug, path):
    settings.DEBUG = debug

    response = client_of.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "fail", "detail": "Not found."}


def test_method_not_allowed_is_json_405(client_of):
    response = client_of.put("/api/posts", {}, format="json")
    assert response.status_code == 405
    assert response.json() == {"status": "fail", "detail": 'Method "PUT" not allowed.'}


def test_health_refuses_post_with_json_405(api_client):
    response = api_client.post("/api/healthchecker")
    assert response.status_code == 405
    assert response.json()["status"] == "fail"


def test_malformed_json_is_400(client_of):
    response = client_of.post("/api/posts", data='{"title": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["status"] == "fail"
    assert response.json()["detail"].startswith("JSON parse error")


def test_absurdly_nested_json_is_400_not_500(client_of):
    response = client_of.post("/api/posts", data="[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"status": "fail", "detail": "JSON parse error - nested too deeply"}


@pytest.mark.parametrize(
    "content_type,body",
    [
        ("application/x-www-form-urlencoded", "title=a"),
        ("text/plain", "hello"),
        ("multipart/form-data; boundary=x", "--x--"),
    ],
)
def test_non_json_body_is_415(client_of, content_type, body):
    response = client_of.post("/api/posts", data=body, content_type=content_type)
    assert response.status_code == 415
    assert response.json()["status"] == "fail"
    assert not Post.objects.exists()


def test_oversized_body_is_json_413(client_of):
    body = '{"title": "' + "x" * (2 * 1024 * 1024) + '"}'
    response = client_of.post("/api/posts", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["status"] == "fail"


@pytest.mark.parametrize("debug", [False, True])
def test_disallowed_host_is_json_400(client_of, settings, debug):
    settings.DEBUG = debug
    response = client_of.get("/api/healthchecker", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert response.json() == {"status": "fail", "detail": "Bad Request"}


@pytest.mark.parametrize("debug", [False, True])
def test_unexpected_exception_is_json_500_without_traceback(client_of, monkeypatch, settings, debug):
    settings.DEBUG = debug
    client_of.raise_request_exception = False

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("posts.views.PostViewSet.list", explode)

    response = client_of.get("/api/posts")

    assert response.status_code == 500
    assert response.json() == {"status": "error", "detail": "Internal Server Error"}
    assert b"secret internals" not in response.content


def test_health_ok(api_client):
    response = api_client.get("/api/healthchecker")
    assert response.status_code == 200
    assert response.json() == {"status": "success", "message": "Hello World", "database": "ok"}
    assert api_client.get("/api/healthchecker/").status_code == 200


def test_health_ignores_a_bad_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    assert api_client.get("/api/healthchecker").status_code == 200


@pytest.fixture
def database_down():
    """Point the connection at a port where no PostgreSQL listens: a real failure to connect."""
    connection.close()
    saved = dict(connection.settings_dict)
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1", OPTIONS={"connect_timeout": 2})
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_health_reports_database_outage_as_503(api_client, database_down):
    response = api_client.get("/api/healthchecker")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"status": "error", "detail": "Database unavailable", "database": "unavailable"}


@pytest.mark.django_db(transaction=True)
def test_api_answers_503_json_during_database_outage(client_of, database_down):
    response = client_of.get("/api/posts")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"status": "error", "detail": "Database unavailable"}


@override_settings(DEBUG=True)
def test_admin_pages_stay_html(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_error_bodies_are_compact_json_like_drf_ones(client_of):
    assert client_of.get("/nope").content == b'{"status":"fail","detail":"Not found."}'


def test_head_answers_get_headers_without_a_body(client_of):
    get, head = client_of.get("/api/posts"), client_of.head("/api/posts")
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content))


def test_admin_without_slash_redirects_to_the_admin(client):
    response = client.get("/admin")
    assert (response.status_code, response["Location"]) == (302, "/admin/")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unsafe_method_on_unknown_path_is_404_not_a_csrf_403(client, method):
    client.handler.enforce_csrf_checks = True
    response = getattr(client, method)("/api/nope")
    assert response.status_code == 404
    assert response.json() == {"status": "fail", "detail": "Not found."}


@pytest.mark.parametrize("debug", [False, True])
def test_too_many_query_parameters_is_json_400(api_client, settings, debug):
    settings.DEBUG = debug
    response = api_client.get("/api/healthchecker?" + "&".join(["a"] * 1001))
    assert response.status_code == 400
    assert response.json()["status"] == "fail"


def test_chunked_body_without_length_is_411_not_silently_empty(client_of):
    response = client_of.post("/api/posts", data="", content_type="application/json", HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 411
    assert response.json()["status"] == "fail"
    assert not Post.objects.exists()
