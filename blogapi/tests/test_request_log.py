import json
import logging

import pytest

pytestmark = pytest.mark.django_db


def test_each_request_is_logged_as_json_with_id_and_duration(client_of, user, caplog):
    caplog.set_level(logging.INFO, logger="blogapi.request")

    response = client_of.get("/api/posts", headers={"x-request-id": "abc-123"})

    assert response["X-Request-ID"] == "abc-123"
    [record] = [r for r in caplog.records if r.name == "blogapi.request"]
    assert record.fields["request_id"] == "abc-123"
    assert record.fields["status"] == 200
    assert record.fields["user_id"] == str(user.id)
    assert record.fields["duration_ms"] >= 0
    from blogapi.logging import JSONFormatter

    line = json.loads(JSONFormatter().format(record))
    assert line["path"] == "/api/posts" and line["method"] == "GET"


def test_an_unsafe_request_id_is_replaced(api_client):
    response = api_client.get("/api/healthchecker", headers={"x-request-id": "evil\nlog line"})
    assert response["X-Request-ID"] != "evil\nlog line"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.parametrize(
    "path,logged",
    [
        ("/api/auth/verifyemail/s3cr3t-token", "/api/auth/verifyemail/[redacted]"),
        ("/api/auth/resetpassword/s3cr3t-token/", "/api/auth/resetpassword/[redacted]/"),
        ("/api/auth/verifyemail/resend", "/api/auth/verifyemail/resend"),
    ],
)
def test_emailed_tokens_are_redacted_in_the_log(api_client, caplog, path, logged):
    caplog.set_level(logging.INFO, logger="blogapi.request")

    api_client.get(path)

    [record] = [r for r in caplog.records if r.name == "blogapi.request"]
    assert record.fields["path"] == logged
    assert "s3cr3t" not in record.getMessage()
