"""Rate-limit headers and the anonymous and per-user limits (API.md, Rate limits)."""

import pytest
from django.conf import settings
from django.test import override_settings

from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

VALID = {"title": "Hello", "content": "World", "category": "news", "image": "a.png"}


def rates(**scopes):
    """REST_FRAMEWORK with these throttle rates (the others as configured)."""
    throttle_rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **scopes}
    return override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": throttle_rates})


def test_auth_endpoints_carry_the_headers_and_count_down(api_client):
    first = api_client.post("/api/auth/login", {"email": "a@example.com", "password": "x"}, format="json")
    second = api_client.post("/api/auth/login", {"email": "a@example.com", "password": "x"}, format="json")

    assert first["RateLimit-Policy"] == '"login";q=10;w=60'
    assert first["RateLimit"] == '"login";r=9;t=60'
    assert second["RateLimit"].startswith('"login";r=8;t=')


def test_a_429_carries_retry_after_and_no_remaining(api_client):
    for _ in range(10):
        api_client.post("/api/auth/forgotpassword", {"email": "a@example.com"}, format="json")

    response = api_client.post("/api/auth/forgotpassword", {"email": "a@example.com"}, format="json")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response["RateLimit-Policy"] == '"password_forgot";q=10;w=60'
    assert response["RateLimit"].startswith('"password_forgot";r=0;t=')
    assert int(response["RateLimit"].rsplit("t=", 1)[1]) > 0


def test_without_anon_or_user_rates_other_endpoints_are_unlimited(api_client, client_of):
    for client in (api_client, client_of):
        response = client.get("/api/posts")
        assert response.status_code == 200
        assert not response.has_header("RateLimit")


def test_anon_rate_limits_unauthenticated_requests_per_address(api_client, client_of):
    with rates(anon="3/minute"):
        statuses = [api_client.get("/api/posts").status_code for _ in range(4)]
        last = api_client.get("/api/tags")
        authenticated = client_of.get("/api/posts")

    assert statuses == [200, 200, 200, 429]
    assert last.status_code == 429  # one budget for every endpoint
    assert last["RateLimit-Policy"] == '"anon";q=3;w=60'
    assert authenticated.status_code == 200 and not authenticated.has_header("RateLimit")


def test_user_rate_limits_each_user_writes_included(client_of, auth_client, api_client):
    post = PostFactory()
    with rates(user="2/hour"):
        first = client_of.post("/api/posts", VALID, format="json")
        second = client_of.get(f"/api/posts/{post.id}")
        third = client_of.get("/api/posts")
        other_user = auth_client(PostFactory().user).get("/api/posts")
        anonymous = api_client.get("/api/posts")

    assert (first.status_code, second.status_code, third.status_code) == (201, 200, 429)
    assert first["RateLimit"] == '"user";r=1;t=3600'
    assert first["RateLimit-Policy"] == '"user";q=2;w=3600'
    assert int(third["Retry-After"]) > 0
    assert other_user.status_code == 200
    assert anonymous.status_code == 200 and not anonymous.has_header("RateLimit")


def test_auth_endpoints_are_limited_by_their_own_rate_only(api_client):
    with rates(anon="1/minute"):
        statuses = [
            api_client.post("/api/auth/login", {"email": "a@example.com", "password": "x"}, format="json").status_code
            for _ in range(3)
        ]
    assert statuses == [400, 400, 400]
