"""API.md, Documentation: the schema, Swagger UI and ReDoc, served with no internet access."""

import re

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def test_schema_builds_and_validates_without_warnings(tmp_path):
    call_command("spectacular", validate=True, fail_on_warn=True, file=str(tmp_path / "schema.yml"))
    schema = yaml.safe_load((tmp_path / "schema.yml").read_text())
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


@pytest.mark.parametrize("path", ["/api/schema/", "/api/schema"])
def test_schema_is_served_without_authentication(api_client, path):
    response = api_client.get(path, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/posts", "/api/posts/{id_or_slug}", "/api/auth/login", "/api/users/me"} <= set(schema["paths"])


def test_schema_documents_the_error_envelope_and_statuses(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    post_detail = schema["paths"]["/api/posts/{id_or_slug}"]
    assert {"200", "401", "404", "503"} <= set(post_detail["get"]["responses"])
    assert {"400", "401", "403", "404", "415"} <= set(post_detail["put"]["responses"])
    assert "409" in schema["paths"]["/api/auth/register"]["post"]["responses"]
    assert "429" in schema["paths"]["/api/auth/login"]["post"]["responses"]
    error = schema["components"]["schemas"]["ValidationError"]
    assert set(error["properties"]) == {"status", "detail", "errors"}
    params = {p["name"]: p for p in schema["paths"]["/api/posts"]["get"]["parameters"]}
    assert params["limit"]["schema"]["minimum"] == 1
    assert params["search"]["schema"]["maxLength"] == 200
    # public reads: credentials optional on GET, required on writes
    assert post_detail["get"]["security"] == [{"bearerAuth": []}, {"cookieAuth": []}, {}]
    assert post_detail["put"]["security"] == [{"bearerAuth": []}, {"cookieAuth": []}]
    assert "security" not in schema["paths"]["/api/auth/login"]["post"]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/", "/api/docs", "/api/redoc"])
def test_docs_pages_load_nothing_from_another_host(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assets = ASSET.findall(html)
    assert assets, "the page references its scripts"
    assert all(url.startswith("data:") or (url.startswith("/") and not url.startswith("//")) for url in assets), assets
    assert "googleapis" not in html and "cdn" not in html.lower()


def test_redoc_page_forbids_images_from_other_hosts(api_client):
    assert "img-src 'self' data:" in api_client.get("/api/redoc/").content.decode()


def test_the_redoc_bundle_names_no_other_host(api_client):
    html = api_client.get("/api/redoc/").content.decode()
    (bundle,) = [url for url in ASSET.findall(html) if url.endswith(".js")]

    response = api_client.get(bundle)

    assert response.status_code == 200
    script = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"Redoc" in script and len(script) > 500_000
    assert not re.search(rb"https?://cdn\.", script)


def test_the_root_leads_to_the_docs(api_client):
    response = api_client.get("/")
    assert (response.status_code, response["Location"]) == (302, "/api/docs/")


def test_every_operation_has_a_tag_and_a_summary(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operations = [op for item in schema["paths"].values() for op in item.values() if isinstance(op, dict)]

    assert all(op.get("summary") for op in operations)
    assert {tag for op in operations for tag in op["tags"]} == {"Auth", "Users", "Posts", "Tags", "Changes", "Health"}
